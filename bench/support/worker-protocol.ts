import type { BudgetLedgerOptions } from '../../src/budget/budget-ledger.js';

/** Options of a worker child process (bench/support/worker-process.ts), passed as JSON. */
export interface WorkerChildOptions {
  /** `frugal` (default): a FrugalWorker. `bare`: a plain BullMQ worker making only the provider call. */
  mode?: 'frugal' | 'bare';
  /** Default 50. */
  concurrency?: number;
  /** Budget accounting (FrugalWorker `accounting`). Default true. */
  accounting?: boolean;
  ledger?: BudgetLedgerOptions;
  callTimeoutMs?: number;
  staleReservationMs?: number;
  staleCheckMs?: number;
  shutdownTimeoutMs?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Record each job's time and its provider-call time (meaningful at concurrency 1). */
  timings?: boolean;
  /** Count the Redis commands the child sends, by name (stats.redisCommands). */
  countRedisCommands?: boolean;
  /** Provider batch tuning (FrugalWorker `batches`). */
  batches?: { collectMs?: number; pollMs?: number; tickMs?: number };
  /** Catalog id of the model the bare worker calls (a Groq model). Default `llama-3.1-8b`. */
  bareModel?: string;
}

export type WorkerParentMessage = { type: 'stats' } | { type: 'reset' } | { type: 'gc' } | { type: 'close' };

export interface WorkerStats {
  completed: number;
  failed: number;
  /** performance.now() in the child when the first job became active since start or reset. */
  firstActiveMs: number | undefined;
  /** performance.now() in the child when the latest job completed or failed. */
  lastFinishedMs: number | undefined;
  rssBytes: number;
  heapUsedBytes: number;
  /** CPU time (user + system) the child has used since it started, in microseconds. */
  cpuMicros: number;
  /** With `timings`: each completed job's time from active to completed, and its provider-call time. */
  jobMs?: number[];
  callMs?: number[];
  redisCommands?: Record<string, number>;
}

export type WorkerChildMessage =
  | { type: 'ready'; pid: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'gc'; stats: WorkerStats }
  | { type: 'reset' }
  | { type: 'closed' };
