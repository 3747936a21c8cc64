import { pathToFileURL } from 'node:url';
import { BudgetStore } from '../src/budget/budget-store.js';
import { openDb } from '../src/db/client.js';
import { parseJobSpec, type JobSpec } from '../src/jobs/job-spec.js';
import { DEFAULT_MODELS } from '../src/pricing/default-catalog.js';
import type { BenchFn, BenchSection } from './section.js';
import { createBenchEnv } from './support/bench-env.js';
import { enqueue, usd, whilePaused } from './support/batches.js';
import { writeCatalogFile } from './support/catalog-file.js';
import { untilJobsFinished } from './support/db-progress.js';
import { documents } from './support/documents.js';
import { spawnSimulator } from './support/sim-process.js';
import { spawnWorker, type WorkerProcess } from './support/spawn-worker.js';

const WORKERS = 3;
const JOBS = 600;
/** About a third of what the jobs would cost: most of them must be refused. */
const LIMIT_MICROS = 5_000;
const BUDGET = 'stress';

/**
 * Budget stress: three worker processes race for one small hard budget (a `total` budget of
 * $0.005, about a third of what 600 jobs would cost). Postgres is sampled every few
 * milliseconds during the run: the overshoot is the most spent + reserved ever exceeded the
 * limit, and how far the final spend exceeds it. Both must be 0. Jobs that did not fit are left
 * waiting for budget, neither called nor failed.
 */
export const benchBudgetStress: BenchFn = async (): Promise<BenchSection> => {
  const catalogPath = writeCatalogFile(Object.fromEntries(DEFAULT_MODELS.map((m) => [m.id, { rateLimits: { rpm: null, tpm: null } }])));
  const sim = await spawnSimulator({ env: { FRUGAL_CATALOG: catalogPath } });
  const env = await createBenchEnv('stress', { FRUGAL_SIM_URL: sim.url, FRUGAL_CATALOG: catalogPath });
  const db = await openDb(env.databaseUrl, { max: 3, applicationName: 'frugal-bench-stress' });
  const workers: WorkerProcess[] = [];
  try {
    const store = new BudgetStore(db.pool);
    await store.set({ name: BUDGET, limitMicros: LIMIT_MICROS, period: 'total', hard: true, thresholds: [] });
    for (let i = 0; i < WORKERS; i++) workers.push(await spawnWorker(env.env, { mode: 'frugal', concurrency: 16 }));
    const started = performance.now();
    await whilePaused(env.config, () => enqueue(env.config, specs()));

    let maxHeldOverLimit = Number.NEGATIVE_INFINITY;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await db.pool.query<{ held: string | null }>(
          `select max(bp.spent_micros + bp.reserved_micros - b.limit_micros) as held from budget_periods bp join budgets b on b.id = bp.budget_id where b.name = $1`,
          [BUDGET],
        );
        if (rows[0]?.held != null) maxHeldOverLimit = Math.max(maxHeldOverLimit, Number(rows[0].held));
        samples++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const finished = await untilJobsFinished(db.pool, JOBS, 240_000, { alsoWaiting: true });
    sampling = false;
    await sampler;
    const seconds = (performance.now() - started) / 1000;

    const [status] = (await store.list()).filter((b) => b.name === BUDGET);
    const finalOver = (status?.spentMicros ?? 0) - LIMIT_MICROS;
    const overshoot = Math.max(0, maxHeldOverLimit, finalOver);
    const audit = await store.audit();
    const calls = await db.pool.query<{ status: string; n: number }>(`select status, count(*)::int as n from ledger group by status order by status`);
    return {
      title: `Budget stress (${WORKERS} worker processes, one hard budget of ${usd(LIMIT_MICROS)}, ${JOBS} jobs worth about three times that)`,
      rows: [
        { name: 'overshoot', value: overshoot, unit: 'µ$', note: `must be 0: ${overshoot === 0 ? 'met' : 'BROKEN'}; max(spent + reserved − limit) over ${samples} samples = ${maxHeldOverLimit}, final spent − limit = ${finalOver}` },
        { name: 'spent of the limit', value: (((status?.spentMicros ?? 0) / LIMIT_MICROS) * 100).toFixed(1), unit: '%', note: `${usd(status?.spentMicros ?? 0)} spent, ${status?.reservedMicros ?? 0} µ$ still reserved` },
        { name: 'jobs completed / left waiting for budget', value: `${finished.completed} / ${finished.waiting}`, unit: 'jobs', note: `${finished.failed} failed; ${seconds.toFixed(1)} s; ledger ${calls.rows.map((r) => `${r.status} ${r.n}`).join(', ')}` },
        { name: 'ledger equals budget counters', value: audit.length === 0 ? 'yes' : 'NO', unit: '', note: audit.length === 0 ? 'BudgetStore.audit() found no difference' : JSON.stringify(audit).slice(0, 200) },
      ],
      results: {
        'budgetStress.overshootMicros': overshoot,
        'budgetStress.maxHeldOverLimitMicros': maxHeldOverLimit,
        'budgetStress.finalSpentOverLimitMicros': finalOver,
        'budgetStress.spentMicros': status?.spentMicros ?? 0,
        'budgetStress.completedJobs': finished.completed,
        'budgetStress.waitingJobs': finished.waiting,
        'budgetStress.failedJobs': finished.failed,
        'budgetStress.auditMismatches': audit.length,
      },
    };
  } finally {
    for (const worker of workers) await worker.close().catch(() => {});
    await db.close();
    await sim.close();
    await env.dispose();
  }
};

/** Half premium summaries (Claude Haiku, about 200 µ$ reserved each), half basic classifications (Llama 8B, about 10 µ$). */
function specs(): JobSpec[] {
  const long = documents(JOBS / 2, 1_024, 'stress-s-');
  const short = documents(JOBS / 2, 300, 'stress-c-');
  return long.flatMap((text, i) => [
    parseJobSpec({ kind: 'summarize', tier: 'premium', payload: { text, maxWords: 100 }, budgets: [BUDGET] }),
    parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: short[i]!, labels: ['licence', 'contract', 'other'] }, budgets: [BUDGET] }),
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchBudgetStress();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}
