import { FlowProducer, Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { JobSpec } from '../jobs/job-spec.js';

/** The one queue every job enters. Provider limits live in a shared limiter, not in queues. */
export const INTAKE_QUEUE = 'intake';

/** The data of an intake job in Redis. */
export interface IntakeJobData {
  spec: JobSpec;
  /** The job whose answer this job's result completes (chunk and combine jobs of a long document). */
  parentId?: string;
  /** A combining parent: the reduce level whose children it waits for. */
  level?: number;
  /** Set while the job waits for budget: the budget that blocked it. */
  waitingForBudget?: string;
  /** Set while the job waits in a provider batch: its call (see src/workers/batch-path.ts). */
  batchCall?: { callId: string; modelId: string };
}

/** Result a completed intake job returns to BullMQ (parents read their children's). */
export interface IntakeJobResult {
  text: string;
  model: string;
  costMicros: number;
}

/**
 * Retries with backoff for errors frugal does not handle itself; results live in Postgres, so
 * finished jobs leave Redis after a day (completed) or a week (failed).
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
};

export function createIntakeQueue(connection: ConnectionOptions, prefix: string): Queue<IntakeJobData, IntakeJobResult> {
  return new Queue<IntakeJobData, IntakeJobResult>(INTAKE_QUEUE, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

export function createFlowProducer(connection: ConnectionOptions, prefix: string): FlowProducer {
  return new FlowProducer({ connection, prefix });
}
