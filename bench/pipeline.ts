import { pathToFileURL } from 'node:url';
import { BudgetStore } from '../src/budget/budget-store.js';
import { openDb } from '../src/db/client.js';
import { parseJobSpec, type JobSpec } from '../src/jobs/job-spec.js';
import type { BenchFn, BenchSection } from './section.js';
import { createBenchEnv, type BenchEnv } from './support/bench-env.js';
import { enqueue, quantile, round, untilFinished, whilePaused } from './support/batches.js';
import { writeCatalogFile } from './support/catalog-file.js';
import { documents } from './support/documents.js';
import { spawnSimulator } from './support/sim-process.js';
import { spawnWorker } from './support/spawn-worker.js';
import type { WorkerChildOptions } from './support/worker-protocol.js';

/** Jobs per variant in the throughput runs. */
const JOBS = Number(process.env.BENCH_PIPELINE_JOBS ?? 6_000);
/** Jobs per variant in the one-at-a-time latency runs. */
const LATENCY_JOBS = Number(process.env.BENCH_PIPELINE_LATENCY_JOBS ?? 300);
const WARMUP_JOBS = 500;
const CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? 64);
const DOC_CHARS = 1_024;

type Variant = 'full' | 'accountingOff' | 'bare';

const VARIANTS: Record<Variant, WorkerChildOptions> = {
  full: { mode: 'frugal' },
  accountingOff: { mode: 'frugal', accounting: false },
  bare: { mode: 'bare', bareModel: 'llama-3.1-8b' },
};

/** Order of the runs; BENCH_PIPELINE_ORDER=bare,full,accountingOff changes it (to check that order does not matter). */
const ORDER = (process.env.BENCH_PIPELINE_ORDER ?? 'full,accountingOff,bare').split(',') as Variant[];

interface Throughput {
  jobsPerSecond: number;
  seconds: number;
  failed: number;
}

/**
 * Pipeline throughput with 1 KB documents: one worker process, the simulator at zero latency in
 * its own process. Three variants on the same jobs in the same run: frugal's full pipeline,
 * frugal with budget accounting off, and a bare BullMQ worker making only the same SDK call.
 * Then the per-job overhead: each variant one job at a time, job time minus provider-call time.
 */
export const benchPipeline: BenchFn = async (): Promise<BenchSection> => {
  // Limits high enough never to bind, but set: the limiter runs as it does in production.
  const catalogPath = writeCatalogFile({ 'llama-3.1-8b': { rateLimits: { rpm: 10_000_000, tpm: 10_000_000_000 } } });
  const sim = await spawnSimulator({ env: { FRUGAL_CATALOG: catalogPath } });
  const env = await createBenchEnv('pipeline', { FRUGAL_SIM_URL: sim.url, FRUGAL_CATALOG: catalogPath });
  try {
    const db = await openDb(env.databaseUrl, { max: 2 });
    await new BudgetStore(db.pool).set({ name: 'bench', limitMicros: 1_000_000_000_000, period: 'month', hard: true, thresholds: [] });
    await db.close();

    const throughput = {} as Record<Variant, Throughput>;
    const latency = {} as Record<Variant, { jobMs: number[]; overheadMs: number[] }>;
    for (const variant of ORDER) throughput[variant] = await measureThroughput(env, variant);
    for (const variant of ORDER) latency[variant] = await measureLatency(env, variant);
    const full = throughput.full.jobsPerSecond;
    const off = throughput.accountingOff.jobsPerSecond;
    const bare = throughput.bare.jobsPerSecond;
    const ofOff = full / off;
    const ofBare = full / bare;
    const p = (variant: Variant, what: 'jobMs' | 'overheadMs', q: number) => round(quantile(latency[variant][what], q), 2);
    const failed = throughput.full.failed + throughput.accountingOff.failed + throughput.bare.failed;
    return {
      title: `Pipeline throughput (1 KB summarize jobs, one worker process, concurrency ${CONCURRENCY}, simulator at zero latency in its own process)`,
      rows: [
        { name: 'full pipeline', value: Math.round(full), unit: 'jobs/s', note: `target ≥ 800: ${full >= 800 ? 'met' : `MISSED by ${Math.round(800 - full)}`}; ${JOBS} jobs in ${throughput.full.seconds.toFixed(1)} s` },
        { name: 'accounting off', value: Math.round(off), unit: 'jobs/s', note: `${JOBS} jobs in ${throughput.accountingOff.seconds.toFixed(1)} s` },
        { name: 'bare BullMQ worker + SDK call', value: Math.round(bare), unit: 'jobs/s', note: `${JOBS} jobs in ${throughput.bare.seconds.toFixed(1)} s` },
        { name: 'full / accounting off', value: `${(ofOff * 100).toFixed(1)}`, unit: '%', note: `target ≥ 90 %: ${ofOff >= 0.9 ? 'met' : `MISSED by ${((0.9 - ofOff) * 100).toFixed(1)} points`}` },
        { name: 'full / bare', value: `${(ofBare * 100).toFixed(1)}`, unit: '%' },
        { name: 'per-job overhead p50 / p99', value: `${p('full', 'overheadMs', 0.5)} / ${p('full', 'overheadMs', 0.99)}`, unit: 'ms', note: `job time minus provider-call time, one job at a time (${LATENCY_JOBS} jobs)` },
        { name: 'per-job overhead, accounting off, p50 / p99', value: `${p('accountingOff', 'overheadMs', 0.5)} / ${p('accountingOff', 'overheadMs', 0.99)}`, unit: 'ms' },
        { name: 'job time p50 / p99: full · bare', value: `${p('full', 'jobMs', 0.5)} / ${p('full', 'jobMs', 0.99)} · ${p('bare', 'jobMs', 0.5)} / ${p('bare', 'jobMs', 0.99)}`, unit: 'ms', note: 'active → completed, incl. the call' },
        ...(failed > 0 ? [{ name: 'failed jobs', value: failed, unit: 'jobs', note: 'should be 0' }] : []),
      ],
      results: {
        'pipeline.jobsPerSecond': Math.round(full),
        'pipeline.accountingOffJobsPerSecond': Math.round(off),
        'pipeline.bareBullmqJobsPerSecond': Math.round(bare),
        'pipeline.ratioOfAccountingOff': round(ofOff, 3),
        'pipeline.ratioOfBareBullmq': round(ofBare, 3),
        'pipeline.overheadP50Ms': p('full', 'overheadMs', 0.5),
        'pipeline.overheadP99Ms': p('full', 'overheadMs', 0.99),
        'pipeline.accountingOffOverheadP50Ms': p('accountingOff', 'overheadMs', 0.5),
        'pipeline.accountingOffOverheadP99Ms': p('accountingOff', 'overheadMs', 0.99),
        'pipeline.jobP50Ms': p('full', 'jobMs', 0.5),
        'pipeline.jobP99Ms': p('full', 'jobMs', 0.99),
        'pipeline.bareJobP50Ms': p('bare', 'jobMs', 0.5),
        'pipeline.bareJobP99Ms': p('bare', 'jobMs', 0.99),
        'pipeline.failedJobs': failed,
      },
    };
  } finally {
    await sim.close();
    await env.dispose();
  }
};

function specs(count: number, salt: string): JobSpec[] {
  return documents(count, DOC_CHARS, salt).map((text) => parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text }, budgets: ['bench'] }));
}

async function measureThroughput(env: BenchEnv, variant: Variant): Promise<Throughput> {
  const worker = await spawnWorker(env.env, { ...VARIANTS[variant], concurrency: CONCURRENCY }, { nodeArgs: profileArgs(variant) });
  try {
    // Warm-up: JIT, connections, prepared statements, encoders.
    await enqueue(env.config, specs(WARMUP_JOBS, `w-${variant}-`));
    await untilFinished(worker, WARMUP_JOBS, 120_000);
    await whilePaused(env.config, async () => {
      await enqueue(env.config, specs(JOBS, `t-${variant}-`));
      await worker.reset();
    });
    const stats = await untilFinished(worker, JOBS, 600_000);
    const seconds = (stats.lastFinishedMs! - stats.firstActiveMs!) / 1000;
    return { jobsPerSecond: stats.completed / seconds, seconds, failed: stats.failed };
  } finally {
    await worker.close();
  }
}

async function measureLatency(env: BenchEnv, variant: Variant): Promise<{ jobMs: number[]; overheadMs: number[] }> {
  const worker = await spawnWorker(env.env, { ...VARIANTS[variant], concurrency: 1, timings: true });
  try {
    await enqueue(env.config, specs(50, `lw-${variant}-`));
    await untilFinished(worker, 50, 60_000);
    await whilePaused(env.config, async () => {
      await enqueue(env.config, specs(LATENCY_JOBS, `l-${variant}-`));
      await worker.reset();
    });
    const stats = await untilFinished(worker, LATENCY_JOBS, 120_000);
    const jobMs = stats.jobMs ?? [];
    const callMs = stats.callMs ?? [];
    return { jobMs, overheadMs: jobMs.map((ms, i) => ms - (callMs[i] ?? 0)) };
  } finally {
    await worker.close();
  }
}

/** BENCH_PROFILE=full|accountingOff|bare writes a CPU profile of that variant's worker to ./profiles. */
function profileArgs(variant: Variant): string[] {
  return process.env.BENCH_PROFILE === variant ? ['--cpu-prof', '--cpu-prof-dir=profiles'] : [];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchPipeline();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}
