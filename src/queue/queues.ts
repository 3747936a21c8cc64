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
  /** What the current attempt has done so far, kept across its waits (rate limit, health, budget). */
  attempt?: AttemptProgress;
}

/**
 * One attempt's progress, stored in the job's data when the job waits so that the attempt
 * continues where it stopped: the models whose answers failed the check are not called again,
 * skipped models stay skipped, calls and cost keep counting, ledger sequence numbers go on. A
 * new BullMQ attempt (`attemptsMade` changed) starts afresh.
 */
export interface AttemptProgress {
  /** BullMQ's `attemptsMade` during the attempt this belongs to. */
  attemptsMade: number;
  /** Models whose answers failed the output check, with the check's reason. */
  failed: Array<{ modelId: string; reason: string }>;
  /** Models passed over for the rest of the attempt, with why (too small a window, refused). */
  skip: Array<{ modelId: string; reason: string; refused?: true }>;
  /** Calls this attempt made that were charged, and what they were charged. */
  calls: number;
  costMicros: number;
  /** The next call's sequence number within the attempt (ledger `seq`). */
  seq: number;
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
