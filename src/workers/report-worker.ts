import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { openDb, type DbHandle } from '../db/client.js';
import { log as defaultLog, type Logger } from '../log.js';
import type { Catalog } from '../pricing/catalog.js';
import { openProducer, type OpenProducer } from '../queue/open-producer.js';
import { REPORTS_QUEUE, type ReportJobData, type ReportJobResult } from '../queue/report-queue.js';
import { connectRedis } from '../queue/redis.js';
import { ReportRunner } from '../reports/report-runner.js';

export interface ReportWorkerOptions {
  /** How long a report waits for its executive summary before it is written without. Default 600,000 ms. */
  summaryTimeoutMs?: number;
  /** How long close() waits for a running report before abandoning it to stalled-job recovery. Default 30,000 ms. */
  shutdownTimeoutMs?: number;
  /** Use this catalog instead of loading one from the configuration. */
  catalog?: Catalog;
  logger?: Logger;
}

/**
 * Runs the scheduled reports (the `reports` queue, one at a time). A report's executive summary
 * is a `report` job on the intake queue, so a FrugalWorker must run too — in this process or
 * another; `frugal worker` starts both.
 */
export class ReportWorker {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker<ReportJobData, ReportJobResult>,
    private readonly resources: { dbHandle: DbHandle; redis: Redis; producer: OpenProducer },
    private readonly shutdownTimeoutMs: number,
  ) {}

  static async start(config: Config, options: ReportWorkerOptions = {}): Promise<ReportWorker> {
    const log = options.logger ?? defaultLog;
    const dbHandle = await openDb(config.databaseUrl, { max: 4, applicationName: 'frugal-reports' });
    let redis: Redis | undefined;
    let producer: OpenProducer | undefined;
    try {
      redis = await connectRedis(config.redisUrl, { role: 'worker' });
      producer = await openProducer(config);
      const runner = new ReportRunner({ db: dbHandle.db, pool: dbHandle.pool, catalog: options.catalog ?? producer.catalog, producer: producer.producer });
      const worker = new Worker<ReportJobData, ReportJobResult>(
        REPORTS_QUEUE,
        async (job) => {
          const d = job.data;
          const outcome = await runner.run({
            date: d.day,
            tz: d.tz,
            tier: d.tier,
            budgets: d.budgets,
            outDir: d.outDir,
            summary: d.summary,
            summaryTimeoutMs: options.summaryTimeoutMs ?? 600_000,
            trigger: d.scheduleName,
            // The instant the schedule fired, so a late run still reports on the intended day.
            now: new Date(job.timestamp + (job.opts.delay ?? 0)),
          });
          log.info({ schedule: d.scheduleName, date: outcome.figures.date, file: outcome.filePath, summary: outcome.summary.status }, 'report written');
          return { reportId: outcome.id, date: outcome.figures.date, filePath: outcome.filePath, summary: outcome.summary.status };
        },
        { connection: redis, prefix: config.queuePrefix, concurrency: 1, autorun: false },
      );
      worker.on('error', (error) => log.error({ err: error.message }, 'report worker error'));
      worker.on('failed', (job, error) => log.error({ schedule: job?.data.scheduleName, err: error.message }, 'report failed'));
      void worker.run();
      await worker.waitUntilReady();
      return new ReportWorker(worker, { dbHandle, redis, producer }, options.shutdownTimeoutMs ?? 30_000);
    } catch (error) {
      await producer?.close().catch(() => {});
      redis?.disconnect();
      await dbHandle.close().catch(() => {});
      throw error;
    }
  }

  /**
   * Stops taking reports, waits for the running one (up to `shutdownTimeoutMs`; an abandoned one
   * runs again elsewhere, reports being idempotent per day), and closes connections.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.shutdownTimeoutMs);
      });
      const outcome = await Promise.race([this.worker.close().then(() => 'closed' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') await this.worker.close(true).catch(() => {});
      await this.resources.producer.close().catch(() => {});
      await this.resources.redis.quit().catch(() => this.resources.redis.disconnect());
      await this.resources.dbHandle.close().catch(() => {});
    })();
    return this.closing;
  }
}

/** Starts the scheduled-report worker; what `frugal worker` calls beside `FrugalWorker.start`. */
export function startReportWorker(config: Config, options: ReportWorkerOptions = {}): Promise<ReportWorker> {
  return ReportWorker.start(config, options);
}
