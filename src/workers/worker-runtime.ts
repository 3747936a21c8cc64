import type { Queue } from 'bullmq';
import type { BatchVendor } from '../batch/batch-vendor.js';
import type { ProviderBatchCoordinator } from '../batch/provider-batch-coordinator.js';
import type { BudgetLedger } from '../budget/budget-ledger.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import type { CalibrationStore } from '../pricing/calibration-store.js';
import type { Catalog } from '../pricing/catalog.js';
import type { ProviderRegistry } from '../providers/create-providers.js';
import type { RatingsInForce } from '../router/ratings-in-force.js';
import type { IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import type { JobFence } from './job-fence.js';
import type { JobRecords } from './job-records.js';
import type { ObservationRecorder } from './observation-recorder.js';
import type { PendingSettlements } from './pending-settlements.js';
import type { ProviderHealth } from './provider-health.js';
import type { ProviderLimiter } from './provider-limiter.js';
import type { ResultStore } from './result-store.js';

/** Tunables of the job pipeline. */
export interface PipelineOptions {
  /** Provider calls one attempt may make (a cascade escalates within the attempt). Default 4. */
  maxCallsPerAttempt?: number;
  /**
   * Largest piece of a long document summarized in one call, in tokens (cl100k_base). The
   * effective size is also capped by the largest window a qualified model offers. Default 12,000.
   */
  chunkTokens?: number;
  /** Time limit of one provider call. Default: the provider registry's (120 s). */
  callTimeoutMs?: number;
  /**
   * Budget accounting (reserve and settle). Always on in production; the benchmark switches it
   * off to measure its cost. Default true.
   */
  accounting?: boolean;
}

/** Where a worker reports what it did, for `frugal worker --metrics-port` (src/dashboard/worker-metrics.ts). */
export interface PipelineMetrics {
  jobFinished(job: { kind: string; model: string | undefined; outcome: 'completed' | 'failed' }): void;
  /** `outcome` is `ok` or the provider error's code without its `PROVIDER_` prefix, lower-cased. */
  callFinished(call: { provider: string; model: string; mode: 'sync' | 'batch'; outcome: string; seconds: number }): void;
  limiterWaited(provider: string, seconds: number): void;
}

/** Everything the pipeline talks to, built once per worker process. */
export interface WorkerRuntime {
  db: Db;
  catalog: Catalog;
  calibration: CalibrationStore;
  providers: ProviderRegistry;
  health: ProviderHealth;
  limiter: ProviderLimiter;
  ledger: BudgetLedger;
  results: ResultStore;
  observations: ObservationRecorder;
  records: JobRecords;
  /** One job, at most one call in flight: looks for another delivery's open call before calling. */
  fence: JobFence;
  /** Results and settlements of answered calls kept while Postgres is unreachable. */
  pending: PendingSettlements;
  queue: Queue<IntakeJobData, IntakeJobResult>;
  log: Logger;
  /** Provider batch APIs (OpenAI, Groq) and the coordinator running their batches; absent = sync only. */
  batches?: { vendors: ReadonlyMap<string, BatchVendor>; coordinator: ProviderBatchCoordinator };
  /** Counters and histograms of this process; none by default. */
  metrics?: PipelineMetrics;
  /** Learned ratings in force, kept current without a restart. Absent: the catalog decides. */
  ratings?: RatingsInForce;
  options: Required<Omit<PipelineOptions, 'callTimeoutMs'>> & { callTimeoutMs: number | undefined };
}
