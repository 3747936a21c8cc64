import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { parseJobSpec } from '../src/jobs/job-spec.js';
import { DEFAULT_MODELS } from '../src/pricing/default-catalog.js';
import { jobIdFor } from '../src/queue/job-id.js';
import { createIntakeQueue } from '../src/queue/queues.js';
import type { BenchFn, BenchSection } from './section.js';
import { createBenchEnv } from './support/bench-env.js';
import { round, untilFinished } from './support/batches.js';
import { writeCatalogFile } from './support/catalog-file.js';
import { spawnSimulator } from './support/sim-process.js';
import { spawnWorker } from './support/spawn-worker.js';
import type { WorkerStats } from './support/worker-protocol.js';

const FIRST = 10_000;
const TOTAL = Number(process.env.BENCH_MEMORY_JOBS ?? 100_000);
/** Time allowed for the jobs after the first 10,000; the section reports how far it got. */
const SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 300);
const CHUNK = 10_000;

const TICKETS = ['charged twice this month', 'the app crashes on export', 'please add a dark mode', 'cannot log in since Monday', 'where is my parcel'];

/**
 * Worker memory: one worker process (full pipeline, accounting on, started with --expose-gc) runs
 * tiny classify jobs against the simulator at zero latency; its RSS and live heap (after a full
 * GC) are read after 10,000 jobs and again after 100,000. Jobs go straight onto the queue with
 * BullMQ's addBulk (ids as the producer makes them), fed in chunks as the worker drains them.
 */
export const benchMemory: BenchFn = async (): Promise<BenchSection> => {
  const catalogPath = writeCatalogFile(Object.fromEntries(DEFAULT_MODELS.map((m) => [m.id, { rateLimits: { rpm: null, tpm: null } }])));
  const sim = await spawnSimulator({ env: { FRUGAL_CATALOG: catalogPath } });
  const env = await createBenchEnv('memory', { FRUGAL_SIM_URL: sim.url, FRUGAL_CATALOG: catalogPath });
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const queue = createIntakeQueue(redis, env.prefix);
  const worker = await spawnWorker(env.env, { mode: 'frugal', concurrency: 64 }, { nodeArgs: ['--expose-gc'] });
  try {
    const started = await worker.gc();
    let enqueued = 0;
    const feed = async (count: number): Promise<void> => {
      const jobs = [];
      for (let i = 0; i < count; i++) {
        const n = enqueued + i;
        const spec = parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Ticket ${n}: ${TICKETS[n % TICKETS.length]}`, labels: ['billing', 'bug', 'feature', 'other'] } });
        jobs.push({ name: spec.kind, data: { spec }, opts: { jobId: jobIdFor(spec) } });
      }
      for (let i = 0; i < jobs.length; i += 1_000) await queue.addBulk(jobs.slice(i, i + 1_000));
      enqueued += count;
    };
    const t0 = performance.now();
    await feed(FIRST);
    await untilFinished(worker, FIRST, 300_000, 200);
    const at10k = await worker.gc();
    const t10k = performance.now();

    const deadline = Date.now() + SECONDS * 1000;
    let stats: WorkerStats = at10k;
    while (stats.completed + stats.failed < TOTAL && Date.now() < deadline) {
      // Keep about one chunk waiting ahead of the worker.
      if (enqueued < TOTAL && enqueued - (stats.completed + stats.failed) < CHUNK) await feed(Math.min(CHUNK, TOTAL - enqueued));
      await new Promise((resolve) => setTimeout(resolve, 200));
      stats = await worker.stats();
    }
    const done = stats.completed + stats.failed;
    const end = await worker.gc();
    const seconds = (performance.now() - t10k) / 1000;
    const reached = done >= TOTAL;
    const mb = (bytes: number): number => round(bytes / 1_048_576, 1);
    const label = reached ? `${TOTAL / 1000}k` : `${done.toLocaleString('en-US')} (time limit)`;
    return {
      title: 'Worker memory (one worker process, tiny classify jobs, full pipeline)',
      rows: [
        { name: 'worker RSS at start / after 10k jobs', value: `${mb(started.rssBytes)} / ${mb(at10k.rssBytes)}`, unit: 'MB', note: `live heap after GC ${mb(started.heapUsedBytes)} / ${mb(at10k.heapUsedBytes)} MB; 10k jobs in ${((t10k - t0) / 1000).toFixed(0)} s` },
        {
          name: `worker RSS after ${label} jobs`,
          value: mb(end.rssBytes),
          unit: 'MB',
          note: `live heap after GC ${mb(end.heapUsedBytes)} MB (${signed(mb(end.heapUsedBytes - at10k.heapUsedBytes))} MB since 10k); ${(done - FIRST).toLocaleString('en-US')} more jobs in ${seconds.toFixed(0)} s${reached ? '' : `: ${TOTAL.toLocaleString('en-US')} did not fit in ${SECONDS} s`}${stats.failed ? `; ${stats.failed} failed` : ''}`,
        },
      ],
      results: {
        'memory.rssMbStart': mb(started.rssBytes),
        'memory.rssMb10k': mb(at10k.rssBytes),
        'memory.rssMb100k': mb(end.rssBytes),
        'memory.heapMb10k': mb(at10k.heapUsedBytes),
        'memory.heapMb100k': mb(end.heapUsedBytes),
        'memory.jobsAtLastReading': done,
        'memory.failedJobs': stats.failed,
      },
    };
  } finally {
    await worker.close();
    await queue.close();
    await redis.quit();
    await sim.close();
    await env.dispose();
  }
};

function signed(value: number): string {
  return value >= 0 ? `+${value}` : String(value);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchMemory();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}
