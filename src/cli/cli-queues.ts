import type { Queue } from 'bullmq';
import { createIntakeQueue, type IntakeJobData, type IntakeJobResult } from '../queue/queues.js';
import { createReportsQueue, type ReportJobData, type ReportJobResult } from '../queue/report-queue.js';
import type { CliContext } from './context.js';

/** The intake queue on the context's Redis, closed with the context. */
export async function intakeQueue(ctx: CliContext): Promise<Queue<IntakeJobData, IntakeJobResult>> {
  const queue = createIntakeQueue(await ctx.redis(), ctx.config.queuePrefix);
  ctx.onClose(() => queue.close());
  return queue;
}

/** The scheduled-reports queue on the context's Redis, closed with the context. */
export async function reportsQueue(ctx: CliContext): Promise<Queue<ReportJobData, ReportJobResult>> {
  const queue = createReportsQueue(await ctx.redis(), ctx.config.queuePrefix);
  ctx.onClose(() => queue.close());
  return queue;
}
