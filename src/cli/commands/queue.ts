import type { Command } from 'commander';
import { intakeQueue } from '../cli-queues.js';
import { withContext, type CliContext } from '../context.js';
import { printJson } from '../output.js';

/** `frugal queue pause|resume --json`. */
export interface QueueStateReport {
  queue: string;
  paused: boolean;
  /** The queue was already in the asked state. */
  unchanged: boolean;
}

/**
 * Pauses or resumes the intake queue for every worker on every machine (BullMQ's global pause):
 * running jobs finish, no new job starts; enqueueing still works.
 */
export async function setQueuePaused(ctx: CliContext, paused: boolean): Promise<QueueStateReport> {
  const queue = await intakeQueue(ctx);
  const was = await queue.isPaused();
  if (paused) await queue.pause();
  else await queue.resume();
  return { queue: queue.name, paused: await queue.isPaused(), unchanged: was === paused };
}

export function registerQueue(program: Command): void {
  const queue = program.command('queue').description('pause or resume the intake queue for every worker');
  for (const [name, paused, description] of [
    ['pause', true, 'stop every worker from starting new jobs (running ones finish; enqueueing still works)'],
    ['resume', false, 'let workers take jobs again'],
  ] as const) {
    queue
      .command(name)
      .description(description)
      .option('--json', 'print the queue state as JSON')
      .action(async (options: { json?: boolean }) => {
        const report = await withContext((ctx) => setQueuePaused(ctx, paused));
        if (options.json) printJson(report);
        else process.stdout.write(`queue ${report.queue} ${report.paused ? 'paused' : 'running'}${report.unchanged ? ' (it already was)' : ''}\n`);
      });
  }
}
