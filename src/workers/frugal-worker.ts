import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createBatchVendors } from '../batch/create-batch-vendors.js';
import { ProviderBatchCoordinator, type ProviderBatchOptions } from '../batch/provider-batch-coordinator.js';
import { AlertDeliverer } from '../budget/alert-deliverer.js';
import { BudgetLedger, type BudgetLedgerOptions } from '../budget/budget-ledger.js';
import { ANY_BUDGET, onBudgetChanged } from '../budget/on-budget-changed.js';
import type { Config } from '../config.js';
import { openDb, type DbHandle } from '../db/client.js';
import { log as defaultLog, type Logger } from '../log.js';
import { loadCalibration } from '../pricing/calibration-store.js';
import type { Catalog } from '../pricing/catalog.js';
import { estimateUsageFor } from '../pricing/estimate-usage.js';
import { loadCatalog } from '../pricing/load-catalog.js';
import { freeEncoders } from '../pricing/tokenizer.js';
import { createProviders } from '../providers/create-providers.js';
import { RatingsInForce, type RatingsInForceOptions } from '../router/ratings-in-force.js';
import { INTAKE_QUEUE, createIntakeQueue, type IntakeJobData, type IntakeJobResult } from '../queue/queues.js';
import { connectRedis } from '../queue/redis.js';
import { JobFence } from './job-fence.js';
import { JobPipeline } from './job-pipeline.js';
import { JobRecords } from './job-records.js';
import { ObservationRecorder } from './observation-recorder.js';
import { PendingSettlements } from './pending-settlements.js';
import { ProviderHealth, type ProviderHealthOptions } from './provider-health.js';
import { ProviderLimiter } from './provider-limiter.js';
import { ResultStore } from './result-store.js';
import type { PipelineMetrics, PipelineOptions, WorkerRuntime } from './worker-runtime.js';

export interface FrugalWorkerOptions extends PipelineOptions {
  /** Jobs one process works on at once (they mostly wait on providers). Default 50. */
  concurrency?: number;
  /** How long a graceful shutdown waits for running jobs before abandoning them. Default 30,000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * Age after which an unsettled reservation is taken to belong to a dead worker and closed as
   * spent. Must exceed the longest call. It is also how long this worker's jobs wait for another
   * delivery's open call (the job fence) and how long an answered call's settlement is kept while
   * Postgres is unreachable. Default 10 minutes.
   */
  staleReservationMs?: number;
  /** This process's identity on its ledger rows. Default `<host>/<pid>/<random>`. */
  workerId?: string;
  /** How often this process looks for stale reservations. Default 60,000 ms. */
  staleCheckMs?: number;
  /**
   * How long a job stays locked to this worker without a renewal (renewed every half of it while
   * the job runs). A worker that died loses its jobs to the others after this. Default BullMQ's
   * 30,000 ms.
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose lock expired (their worker died). Default BullMQ's 30,000 ms. */
  stalledIntervalMs?: number;
  /**
   * Budget ledger tuning (group commit). Default for workers: one transaction in flight per
   * process, so under load the reservations and settlements arriving meanwhile share the next
   * one (the calls of one process mostly lock the same budget rows anyway), while a lone call
   * waits for nothing. Measured with bench/pipeline.ts: fewer, larger transactions, about 5-10 %
   * less worker CPU per job than two in flight.
   */
  ledger?: BudgetLedgerOptions;
  health?: ProviderHealthOptions;
  /**
   * Provider batches (OpenAI, Groq): collection, polling and settlement tuning, plus `tickMs`,
   * how often this process moves them along (default 5,000 ms), and `enabled` (default true).
   */
  batches?: ProviderBatchOptions & { tickMs?: number; enabled?: boolean };
  /** Reloading of learned ratings (on NOTIFY, and every `reloadMs`, default 30 s). */
  ratings?: RatingsInForceOptions;
  /** Use this catalog instead of loading one from the configuration. */
  catalog?: Catalog;
  logger?: Logger;
  /** Receives this process's counters (`frugal worker --metrics-port`). Default none. */
  metrics?: PipelineMetrics;
}

/** What was left when {@link FrugalWorker.untilEmpty} returned. */
export interface DrainOutcome {
  /** Jobs delayed until a budget has room (their next period, or a raised limit). */
  waitingForBudget: number;
  /** The soonest time one of them looks again. */
  waitingUntil?: Date;
  /** Jobs waiting in provider batches (a later worker run collects them; `frugal batches`). */
  inBatches: number;
  /** The queue is paused (`frugal queue pause`). */
  paused: boolean;
  /** Jobs that would run now but for the pause. */
  held: number;
}

const WORKER_LEDGER_GROUP = { maxInFlight: 1 } as const;
const DEFAULT_STALE_MS = 600_000;

/** `<host>/<pid>/<random>`: unique per process, readable in the ledger. */
function defaultWorkerId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 100) || 'host';
  return `${host}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * One worker process's share of the intake queue: a BullMQ worker running every job through the
 * pipeline, plus what the pipeline needs around it (budget wake-ups, stale reservation clean-up,
 * graceful shutdown). Start as many as you like, on as many machines as you like.
 */
export class FrugalWorker {
  private closing: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    readonly runtime: WorkerRuntime,
    private readonly worker: Worker<IntakeJobData, IntakeJobResult>,
    private readonly resources: { dbHandle: DbHandle; redis: Redis; alerts: AlertDeliverer; stopListening: () => Promise<void> },
    private readonly options: FrugalWorkerOptions,
  ) {}

  static async start(config: Config, options: FrugalWorkerOptions = {}): Promise<FrugalWorker> {
    const log = options.logger ?? defaultLog;
    const workerId = options.workerId ?? defaultWorkerId();
    const staleMs = options.staleReservationMs ?? DEFAULT_STALE_MS;
    const dbHandle = await openDb(config.databaseUrl, { max: 12, applicationName: 'frugal-worker', workerId });
    const redis = await connectRedis(config.redisUrl, { role: 'worker' });
    const catalog = options.catalog ?? loadCatalog(config);
    const calibration = await loadCalibration(dbHandle.db);
    const providers = createProviders(config, { estimateUsage: estimateUsageFor(catalog), logger: log });
    const health = new ProviderHealth(redis, config.queuePrefix, options.health);
    await health.start();
    const limiter = new ProviderLimiter(redis, config.queuePrefix, (modelId) => {
      const limits = catalog.get(modelId)?.rateLimits;
      if (!limits || (limits.rpm === undefined && limits.tpm === undefined)) return undefined;
      return { requests: limits.rpm ?? Number.MAX_SAFE_INTEGER, tokens: limits.tpm ?? Number.MAX_SAFE_INTEGER, windowMs: (limits.windowSeconds ?? 60) * 1000 };
    });
    const queue = createIntakeQueue(redis, config.queuePrefix);
    // Alerts recorded by settlements are posted to the webhook (retried, state kept in Postgres).
    const alerts = new AlertDeliverer(dbHandle.pool, { ...(config.alertWebhook ? { webhookUrl: config.alertWebhook } : {}), logger: log });
    alerts.start();
    const ledger = new BudgetLedger(dbHandle.pool, {
      ...options.ledger,
      group: { ...WORKER_LEDGER_GROUP, ...options.ledger?.group },
      logger: log,
      onAlerts: () => alerts.kick(),
    });
    const records = new JobRecords(dbHandle.db, queue, log);
    const vendors = options.batches?.enabled === false ? new Map() : createBatchVendors(config, estimateUsageFor(catalog));
    const coordinator = new ProviderBatchCoordinator(dbHandle.pool, ledger, catalog, vendors, queue, log, () => {
      // Settled batch lines free budget room: jobs waiting for it look again.
      records.wake().catch((error: unknown) => log.warn({ err: String(error) }, 'waking jobs failed'));
    }, options.batches);
    const ratings = new RatingsInForce(dbHandle.pool, config.databaseUrl, {
      onError: (error: unknown) => log.warn({ err: String(error) }, 'reloading learned ratings failed; the previous ones stay in force'),
      ...options.ratings,
    });
    await ratings.start();
    const runtime: WorkerRuntime = {
      db: dbHandle.db,
      catalog,
      calibration,
      providers,
      health,
      limiter,
      ledger,
      results: new ResultStore(dbHandle.db, dbHandle.pool),
      observations: new ObservationRecorder(dbHandle.db),
      records,
      fence: new JobFence(dbHandle.pool, { staleMs }),
      pending: new PendingSettlements({ staleMs, logger: log }),
      queue,
      log,
      ...(vendors.size > 0 ? { batches: { vendors, coordinator } } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ratings,
      options: {
        maxCallsPerAttempt: options.maxCallsPerAttempt ?? 4,
        chunkTokens: options.chunkTokens ?? 12_000,
        accounting: options.accounting ?? true,
        callTimeoutMs: options.callTimeoutMs,
      },
    };
    const pipeline = new JobPipeline(runtime);
    const worker = new Worker<IntakeJobData, IntakeJobResult>(INTAKE_QUEUE, (job, token) => pipeline.process(job, token), {
      connection: redis,
      prefix: config.queuePrefix,
      concurrency: options.concurrency ?? 50,
      autorun: false,
      ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
      ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
    });
    worker.on('error', (error) => log.error({ err: error.message }, 'worker error'));
    worker.on('failed', (job, error) => void recordFinalFailure(runtime, job, error));
    if (options.metrics) {
      const metrics = options.metrics;
      worker.on('completed', (job, result) => metrics.jobFinished({ kind: job.data.spec.kind, model: result?.model, outcome: 'completed' }));
      worker.on('failed', (job, error) => {
        if (job && (error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1))) {
          metrics.jobFinished({ kind: job.data.spec.kind, model: undefined, outcome: 'failed' });
        }
      });
    }

    const stopListening = await onBudgetChanged(config.databaseUrl, (budget) => {
      records.wake(budget === ANY_BUDGET ? undefined : budget).catch((error: unknown) => log.warn({ err: String(error) }, 'waking jobs failed'));
    });
    const self = new FrugalWorker(runtime, worker, { dbHandle, redis, alerts, stopListening }, options);
    // Jobs may have waited for budget while no worker ran; let them look again.
    await records.wake();
    self.startStaleCheck();
    if (vendors.size > 0) self.startBatchTicks(coordinator);
    void worker.run();
    await worker.waitUntilReady();
    return self;
  }

  /** The underlying BullMQ worker, for its events (`completed`, `failed`, `active`…). */
  get bullmq(): Worker<IntakeJobData, IntakeJobResult> {
    return this.worker;
  }

  /**
   * Resolves when nothing is left that can run now: jobs waiting for budget or in provider batches
   * don't count, nor a long document's parent waiting for its parts (its parts are counted
   * themselves). On a paused queue only running jobs count: the held ones cannot start until
   * `frugal queue resume`. Every open batch collection is submitted first, so a later run collects
   * them. With `batches: 'collect'`, waits for the batches too (their jobs are runnable once settled).
   */
  async untilEmpty(options: { pollMs?: number; batches?: 'leave' | 'collect' } = {}): Promise<DrainOutcome> {
    const { queue } = this.runtime;
    for (;;) {
      const paused = await queue.isPaused();
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'waiting-children');
      const waiting = await this.runtime.records.waitingSummary();
      const inBatches = this.runtime.batches ? await this.runtime.records.countInBatch() : 0;
      const notRunnable = options.batches === 'collect' ? waiting.count : waiting.count + inBatches;
      const delayedRunnable = Math.max(0, (counts.delayed ?? 0) - notRunnable);
      const held = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + delayedRunnable;
      const runnable = (counts.active ?? 0) + (paused ? 0 : held);
      if (runnable === 0) {
        // Calls collected for a batch go out now rather than after the collection time.
        const submitted = this.runtime.batches && !paused ? await this.runtime.batches.coordinator.submitDue(true) : 0;
        if (submitted === 0) {
          return {
            waitingForBudget: waiting.count,
            ...(waiting.until ? { waitingUntil: waiting.until } : {}),
            inBatches,
            paused,
            held: paused ? held : 0,
          };
        }
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    }
  }

  /**
   * Stops taking jobs, lets running ones finish (up to `shutdownTimeoutMs`), writes what is
   * pending and closes connections. A job abandoned at the deadline is picked up by another
   * worker through BullMQ's stalled-job recovery; its reservation is closed as spent later.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const deadline = this.options.shutdownTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deadline);
    });
    const outcome = await Promise.race([this.worker.close().then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const unwritten = this.runtime.pending.list();
      if (unwritten.length > 0) {
        this.runtime.log.error(
          { deadlineMs: deadline, settlements: unwritten.map((p) => ({ jobId: p.jobId, callId: p.callId, costMicros: p.costMicros, pendingMs: p.pendingMs, lastError: p.lastError })) },
          `shutdown deadline passed with ${unwritten.length} settlement(s) Postgres never took: their reservations will be closed as spent at their maximum after the stale age`,
        );
      }
      this.runtime.pending.abandon();
      this.runtime.log.warn({ deadlineMs: deadline }, 'shutdown deadline passed; abandoning running jobs to stalled-job recovery');
      await this.worker.close(true).catch(() => {});
    }
    const { runtime } = this;
    await runtime.ledger.drain();
    await runtime.results.drain();
    await runtime.observations.drain();
    await runtime.limiter.flush();
    await this.resources.alerts.stop();
    runtime.health.stop();
    runtime.calibration.stop();
    await runtime.ratings?.stop();
    await this.resources.stopListening().catch(() => {});
    await runtime.queue.close().catch(() => {});
    await this.resources.redis.quit().catch(() => this.resources.redis.disconnect());
    await this.resources.dbHandle.close().catch(() => {});
    freeEncoders();
  }

  private startBatchTicks(coordinator: ProviderBatchCoordinator): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      coordinator
        .pass()
        .catch((error: unknown) => this.runtime.log.warn({ err: String(error) }, 'moving provider batches along failed'))
        .finally(() => {
          running = false;
        });
    }, this.options.batches?.tickMs ?? 5_000);
    timer.unref();
    this.timers.push(timer);
  }

  private startStaleCheck(): void {
    const olderThan = this.options.staleReservationMs ?? DEFAULT_STALE_MS;
    const every = this.options.staleCheckMs ?? 60_000;
    const timer = setInterval(() => {
      this.runtime.ledger.closeStale(olderThan).catch((error: unknown) => this.runtime.log.warn({ err: String(error) }, 'closing stale reservations failed'));
    }, every);
    timer.unref();
    this.timers.push(timer);
  }
}

/** A job that used its last attempt is recorded as failed in Postgres. */
async function recordFinalFailure(runtime: WorkerRuntime, job: Job<IntakeJobData, IntakeJobResult> | undefined, error: Error): Promise<void> {
  if (!job) return;
  const attempts = job.opts.attempts ?? 1;
  const final = error.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
  if (!final || error.name === 'UnrecoverableError') return; // unrecoverable failures are recorded where they are decided
  await runtime.records
    .markFailed(job.id!, job.data.spec, job.data.parentId, `${error.message} (after ${job.attemptsMade} attempts)`, undefined)
    .catch((e: unknown) => runtime.log.warn({ err: String(e) }, 'recording a failed job failed'));
}
