import { pathToFileURL } from 'node:url';
import { BudgetStore } from '../src/budget/budget-store.js';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/db/client.js';
import { parseJobSpec, type JobSpec } from '../src/jobs/job-spec.js';
import type { BenchFn, BenchSection } from './section.js';
import { createBenchEnv, type BenchEnv } from './support/bench-env.js';
import { enqueue, quantile, round, untilFinished, whilePaused } from './support/batches.js';
import { writeCatalogFile } from './support/catalog-file.js';
import { documents } from './support/documents.js';
import { processCpuMs, spawnSimulator, type SimProcess } from './support/sim-process.js';
import { spawnWorker, type WorkerProcess } from './support/spawn-worker.js';
import type { WorkerChildOptions } from './support/worker-protocol.js';

/** Jobs per variant and round in the throughput runs. */
const JOBS = Number(process.env.BENCH_PIPELINE_JOBS ?? 1_200);
/** Rounds: the variants take turns, so a change in the machine's other load hits all of them alike. */
const ROUNDS = Number(process.env.BENCH_PIPELINE_ROUNDS ?? 5);
/** Jobs per variant in the one-at-a-time latency runs. */
const LATENCY_JOBS = Number(process.env.BENCH_PIPELINE_LATENCY_JOBS ?? 300);
const WARMUP_JOBS = 500;
const CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? 128);
const DOC_CHARS = 1_024;

type Variant = 'full' | 'accountingOff' | 'bare';
const ORDER: Variant[] = ['full', 'accountingOff', 'bare'];

const VARIANTS: Record<Variant, WorkerChildOptions> = {
  // BENCH_PIPELINE_LEDGER='{"group":{"maxWaitMs":2}}' tries other group-commit settings.
  full: { mode: 'frugal', ...(process.env.BENCH_PIPELINE_LEDGER ? { ledger: JSON.parse(process.env.BENCH_PIPELINE_LEDGER) as WorkerChildOptions['ledger'] } : {}) },
  accountingOff: { mode: 'frugal', accounting: false },
  bare: { mode: 'bare', bareModel: 'llama-3.1-8b' },
};

interface Throughput {
  jobsPerSecond: number;
  /** Each round's jobs per second. */
  rounds: number[];
  /** Slowest and fastest round. */
  range: [number, number];
  seconds: number;
  /** CPU time of the worker process per job. */
  workerCpuMs: number;
  /** CPU time of the simulator process per job. */
  simCpuMs: number;
  failed: number;
}

/**
 * Pipeline throughput with 1 KB documents: one worker process, the simulator at zero latency in
 * its own process. Three variants on the same kind and number of jobs in the same run, taking
 * turns over several rounds: frugal's full pipeline, frugal with budget accounting off, and a
 * bare BullMQ worker making only the same SDK call. Then the per-job overhead: each variant one
 * job at a time, job time minus provider-call time.
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

    const throughput = await measureThroughput(env, sim);
    const latency = {} as Record<Variant, { jobMs: number[]; overheadMs: number[] }>;
    for (const variant of ORDER) latency[variant] = await measureLatency(subEnv(env, `${variant}-latency`), variant);

    const full = throughput.full.jobsPerSecond;
    const off = throughput.accountingOff.jobsPerSecond;
    const bare = throughput.bare.jobsPerSecond;
    // The ratio is taken round by round (the variants of a round ran back to back, under the same
    // outside load) and the median reported.
    const roundRatios = throughput.full.rounds.map((rate, i) => rate / throughput.accountingOff.rounds[i]!);
    const ofOff = quantile(roundRatios, 0.5);
    const ofBare = quantile(throughput.full.rounds.map((rate, i) => rate / throughput.bare.rounds[i]!), 0.5);
    const cpuOfOff = throughput.accountingOff.workerCpuMs / throughput.full.workerCpuMs;
    const p = (variant: Variant, what: 'jobMs' | 'overheadMs', q: number) => round(quantile(latency[variant][what], q), 2);
    const failed = throughput.full.failed + throughput.accountingOff.failed + throughput.bare.failed;
    const runs = (t: Throughput) => `${JOBS * ROUNDS} jobs in ${t.seconds.toFixed(1)} s (rounds ${Math.round(t.range[0])}–${Math.round(t.range[1])} jobs/s)`;
    const cpu = (t: Throughput) => `${t.workerCpuMs.toFixed(2)} ms worker + ${t.simCpuMs.toFixed(2)} ms simulator`;
    return {
      title: `Pipeline throughput (1 KB summarize jobs, one worker process, concurrency ${CONCURRENCY}, simulator at zero latency in its own process)`,
      rows: [
        { name: 'full pipeline', value: Math.round(full), unit: 'jobs/s', note: `target ≥ 800: ${full >= 800 ? 'met' : `MISSED by ${Math.round(800 - full)}`}; ${runs(throughput.full)}` },
        { name: 'accounting off', value: Math.round(off), unit: 'jobs/s', note: runs(throughput.accountingOff) },
        { name: 'bare BullMQ worker + SDK call', value: Math.round(bare), unit: 'jobs/s', note: runs(throughput.bare) },
        { name: 'full / accounting off', value: (ofOff * 100).toFixed(1), unit: '%', note: `target ≥ 90 %: ${ofOff >= 0.9 ? 'met' : `MISSED by ${((0.9 - ofOff) * 100).toFixed(1)} points`}; median of ${ROUNDS} rounds (${roundRatios.map((r) => (r * 100).toFixed(0)).join(', ')}); by CPU time per job ${(cpuOfOff * 100).toFixed(1)} %` },
        { name: 'full / bare', value: (ofBare * 100).toFixed(1), unit: '%', note: `median of ${ROUNDS} rounds` },
        { name: 'CPU per job: full', value: throughput.full.workerCpuMs.toFixed(2), unit: 'ms', note: cpu(throughput.full) },
        { name: 'CPU per job: accounting off', value: throughput.accountingOff.workerCpuMs.toFixed(2), unit: 'ms', note: cpu(throughput.accountingOff) },
        { name: 'CPU per job: bare', value: throughput.bare.workerCpuMs.toFixed(2), unit: 'ms', note: cpu(throughput.bare) },
        { name: 'per-job overhead p50 / p99', value: `${p('full', 'overheadMs', 0.5)} / ${p('full', 'overheadMs', 0.99)}`, unit: 'ms', note: `job time minus provider-call time, one job at a time (${LATENCY_JOBS} jobs)` },
        { name: 'per-job overhead, accounting off, p50 / p99', value: `${p('accountingOff', 'overheadMs', 0.5)} / ${p('accountingOff', 'overheadMs', 0.99)}`, unit: 'ms' },
        { name: 'job time p50 / p99: full · bare', value: `${p('full', 'jobMs', 0.5)} / ${p('full', 'jobMs', 0.99)} · ${p('bare', 'jobMs', 0.5)} / ${p('bare', 'jobMs', 0.99)}`, unit: 'ms', note: 'active → completed, the call included, one job at a time' },
        ...(failed > 0 ? [{ name: 'failed jobs', value: failed, unit: 'jobs', note: 'should be 0' }] : []),
      ],
      results: {
        'pipeline.jobsPerSecond': Math.round(full),
        'pipeline.accountingOffJobsPerSecond': Math.round(off),
        'pipeline.bareBullmqJobsPerSecond': Math.round(bare),
        'pipeline.ratioOfAccountingOff': round(ofOff, 3),
        'pipeline.ratioOfBareBullmq': round(ofBare, 3),
        'pipeline.cpuRatioOfAccountingOff': round(cpuOfOff, 3),
        'pipeline.workerCpuMsPerJob': round(throughput.full.workerCpuMs, 3),
        'pipeline.accountingOffWorkerCpuMsPerJob': round(throughput.accountingOff.workerCpuMs, 3),
        'pipeline.bareWorkerCpuMsPerJob': round(throughput.bare.workerCpuMs, 3),
        'pipeline.simCpuMsPerJob': round(throughput.full.simCpuMs, 3),
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

/** The bench's database with a BullMQ prefix of its own, so each variant's worker sees only its jobs. */
function subEnv(env: BenchEnv, label: string): BenchEnv {
  const prefix = `${env.prefix}-${label}`;
  const vars = { ...env.env, FRUGAL_PREFIX: prefix };
  return { ...env, prefix, env: vars, config: loadConfig(vars) };
}

function specs(count: number, salt: string): JobSpec[] {
  return documents(count, DOC_CHARS, salt).map((text) => parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text }, budgets: ['bench'] }));
}

async function measureThroughput(env: BenchEnv, sim: SimProcess): Promise<Record<Variant, Throughput>> {
  const envs = Object.fromEntries(ORDER.map((v) => [v, subEnv(env, v)])) as Record<Variant, BenchEnv>;
  const workers = {} as Record<Variant, WorkerProcess>;
  const rounds = Object.fromEntries(ORDER.map((v) => [v, [] as Array<{ completed: number; failed: number; seconds: number; cpuMs: number; simCpuMs: number }>])) as Record<
    Variant,
    Array<{ completed: number; failed: number; seconds: number; cpuMs: number; simCpuMs: number }>
  >;
  try {
    for (const variant of ORDER) {
      workers[variant] = await spawnWorker(envs[variant].env, { ...VARIANTS[variant], concurrency: CONCURRENCY }, { nodeArgs: profileArgs(variant) });
      // Warm-up: JIT, connections, prepared statements, encoders.
      await enqueue(envs[variant].config, specs(WARMUP_JOBS, `w-${variant}-`));
      await untilFinished(workers[variant], WARMUP_JOBS, 120_000);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of ORDER) {
        const worker = workers[variant];
        await whilePaused(envs[variant].config, async () => {
          await enqueue(envs[variant].config, specs(JOBS, `t${round}-${variant}-`));
          await worker.reset();
        });
        const cpuBefore = (await worker.stats()).cpuMicros;
        const simBefore = processCpuMs(sim.pid);
        const stats = await untilFinished(worker, JOBS, 600_000);
        rounds[variant].push({
          completed: stats.completed,
          failed: stats.failed,
          seconds: (stats.lastFinishedMs! - stats.firstActiveMs!) / 1000,
          cpuMs: (stats.cpuMicros - cpuBefore) / 1000,
          simCpuMs: processCpuMs(sim.pid) - simBefore,
        });
      }
    }
  } finally {
    for (const worker of Object.values(workers)) await worker.close();
  }
  const summary = (list: (typeof rounds)[Variant]): Throughput => {
    const completed = list.reduce((a, r) => a + r.completed, 0);
    const seconds = list.reduce((a, r) => a + r.seconds, 0);
    const jobs = list.reduce((a, r) => a + r.completed + r.failed, 0);
    const rates = list.map((r) => r.completed / r.seconds);
    return {
      jobsPerSecond: completed / seconds,
      rounds: rates,
      range: [Math.min(...rates), Math.max(...rates)],
      seconds,
      workerCpuMs: list.reduce((a, r) => a + r.cpuMs, 0) / jobs,
      simCpuMs: list.reduce((a, r) => a + r.simCpuMs, 0) / jobs,
      failed: list.reduce((a, r) => a + r.failed, 0),
    };
  };
  return { full: summary(rounds.full), accountingOff: summary(rounds.accountingOff), bare: summary(rounds.bare) };
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
