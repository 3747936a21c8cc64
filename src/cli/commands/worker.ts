import type { Command } from 'commander';
import { createLogger } from '../../log.js';
import { FrugalWorker } from '../../workers/frugal-worker.js';
import { startReportWorker } from '../../workers/report-worker.js';
import { getConfig } from '../../config.js';
import { formatLogLine } from '../format-log-line.js';
import { formatWorkerSummary } from '../format-worker-progress.js';
import { formatDrainOutcome } from '../format-drain-outcome.js';
import { parseCount } from '../parse-options.js';
import { StatusLine } from '../status-line.js';
import { WorkerProgressTracker } from '../worker-progress-tracker.js';
import { sql } from 'drizzle-orm';
import { answers } from '../../dashboard/health-routes.js';

interface WorkerOptions {
  concurrency: string;
  untilEmpty?: boolean;
  chunkTokens?: string;
  staleReservationMs?: string;
  metricsPort?: string;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process jobs: estimate, route, reserve, call, check, settle, persist (run as many as you like, on any machines)')
    .option('--concurrency <n>', 'jobs worked on at once by this process', '50')
    .option('--until-empty', 'exit once nothing is left that can run now (jobs waiting for budget or in provider batches do not hold it; open batch collections are submitted first)')
    .option('--chunk-tokens <n>', 'largest piece of a long document summarized in one call (tokens)', '12000')
    .option('--stale-reservation-ms <ms>', "age after which an unsettled call is taken for a dead worker's and closed as spent; also how long a job waits for another delivery's open call (must exceed the longest call)", '600000')
    .option('--metrics-port <n>', 'serve this process\'s Prometheus metrics, /healthz and /readyz on 127.0.0.1:N')
    .action(async (options: WorkerOptions) => {
      const config = getConfig();
      const concurrency = parseCount(options.concurrency, '--concurrency', { max: 10_000 });
      const chunkTokens = parseCount(options.chunkTokens ?? '12000', '--chunk-tokens', { min: 100, max: 10_000_000 });
      const staleReservationMs = parseCount(options.staleReservationMs ?? '600000', '--stale-reservation-ms', { min: 1_000, max: 86_400_000 });
      // On a terminal: a progress ticker, and log lines for people (warnings and worse unless
      // LOG_LEVEL says otherwise). Elsewhere: JSON log lines for log collectors.
      const statusLine = process.stderr.isTTY ? new StatusLine(process.stderr) : undefined;
      const log = statusLine
        ? createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn', { write: (line: string) => statusLine.print(formatLogLine(line)) })
        : createLogger(config.logLevel);
      const say = (line: string) => (statusLine ? statusLine.print(line) : process.stderr.write(`${line}\n`));
      const metricsPort = options.metricsPort === undefined ? undefined : parseCount(options.metricsPort, '--metrics-port', { min: 1, max: 65_535 });
      // Bound before the worker starts: a taken port stops the command before it takes any job.
      const { metrics, metricsServer } = metricsPort === undefined ? {} : await startWorkerMetrics(metricsPort);

      // Signals are handled from the start: one arriving while the worker is still starting
      // stops it as soon as it has started, never mid-setup.
      let stopping = false;
      let closeAll: (() => Promise<void>) | undefined;
      const stop = (signal: string) => {
        if (stopping) {
          say('second signal: exiting now; running jobs go back to the queue');
          process.exit(130);
        }
        stopping = true;
        say(`${signal}: finishing running jobs, then exiting (again to force)`);
        if (closeAll) void closeAll().then(() => process.exit(0));
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));

      const worker = await FrugalWorker.start(config, { concurrency, chunkTokens, staleReservationMs, logger: log, ...(metrics ? { metrics } : {}) });
      metricsServer?.setReady(async () => {
        const [redis, postgres] = await Promise.all([answers(() => worker.runtime.queue.getJobCounts('active')), answers(() => worker.runtime.db.execute(sql`select 1`))]);
        return { redis, postgres };
      });
      // The nightly report's schedules land on their own queue; every worker process serves it.
      const reports = await startReportWorker(config, { logger: log });
      const progress = new WorkerProgressTracker(worker, { logger: log, ...(statusLine ? { statusLine } : {}) });
      closeAll = async () => {
        // The queue and ledger are read before the connections close; jobs finishing meanwhile still count.
        await progress.snapshot();
        await reports.close();
        await worker.close();
        await metricsServer?.close();
        progress.stop();
        process.stderr.write(`${formatWorkerSummary(progress.current())}\n`);
      };
      if (stopping) {
        await closeAll();
        process.exit(0);
      }
      const providers = worker.runtime.providers.available();
      say(`frugal worker ${process.pid}: concurrency ${concurrency}, providers ${providers.join(', ') || 'none'}${config.simUrl ? ' (simulated)' : ''}${metricsServer ? `, metrics on ${metricsServer.url}/metrics` : ''}`);
      if (providers.length === 0) {
        say('no provider is configured: set a provider API key, FRUGAL_SIM_URL or FRUGAL_LOCAL_URL');
      }

      if (options.untilEmpty) {
        const outcome = await worker.untilEmpty();
        say(formatDrainOutcome(outcome));
        await closeAll();
        return;
      }
      await new Promise<never>(() => {});
    });
}

/** Loaded only with --metrics-port, so a plain worker starts without Hono and prom-client. */
async function startWorkerMetrics(port: number) {
  const [{ WorkerMetrics }, { serveWorkerMetrics }] = await Promise.all([import('../../dashboard/worker-metrics.js'), import('../../dashboard/serve-worker-metrics.js')]);
  const metrics = new WorkerMetrics();
  return { metrics, metricsServer: await serveWorkerMetrics(metrics, { port }) };
}
