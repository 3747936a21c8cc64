import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import type { RunningSimulator } from '../../src/providers/sim/simulator.js';
import { spawnWorker, type WorkerProcess } from '../../bench/support/spawn-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { enqueueJobs, startTestSimulator } from './support/fault-setup.js';
import { expectEveryJobCompleted, expectLedgerEqualsBudgets } from './support/invariants.js';
import { useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const JOBS = 60;
let sim: RunningSimulator;
let workerEnv: Record<string, string>;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  // The cheapest model cuts half its JSON answers short; every model drops the usage block from
  // a third of its answers.
  sim = await startTestSimulator({ seed: 7, models: { '*': { missingUsageRate: 0.33 }, 'llama-3.1-8b-instant': { malformedJsonRate: 0.5 } } });
  workerEnv = { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' };
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await sim?.close();
});

describe('malformed provider responses', () => {
  it('escalates past invalid JSON, flags estimated usage, and keeps the ledger equal to the budgets', async () => {
    const specs = Array.from({ length: JOBS }, (_, i) =>
      parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Customer ${i} reports the app crashes on login`, labels: ['bug', 'billing', 'other'] }, budgets: ['team'] }),
    );
    const jobIds = await enqueueJobs(workerEnv, specs);
    worker = await spawnWorker(workerEnv, { concurrency: 10 });
    await waitFor(
      async () => {
        const { rows } = await env.pool.query<{ n: number }>('select count(*)::int as n from results where job_id = any($1::text[])', [jobIds]);
        return rows[0]!.n >= JOBS;
      },
      { what: 'every job completed', timeoutMs: 30_000 },
    );
    await worker.close();
    await expectEveryJobCompleted(env.pool, jobIds);

    // Every job started on the cheapest model; a job whose answer there was not valid JSON made a
    // second call, on a better-rated model, in the same attempt, and was charged for both.
    const jobs = await env.pool.query<{ job_id: string; model: string; calls: number; first: string; later: string[] }>(
      `select r.job_id, r.model, r.calls,
              (select l.model from ledger l where l.job_id = r.job_id order by l.seq limit 1) as first,
              (select array_agg(l.model order by l.seq) from ledger l where l.job_id = r.job_id and l.seq > 0) as later
         from results r`,
    );
    const escalated = jobs.rows.filter((j) => j.model !== 'llama-3.1-8b');
    expect(escalated.length).toBeGreaterThan(0);
    expect(escalated.length).toBeLessThan(JOBS);
    for (const job of jobs.rows) expect(job.first).toBe('llama-3.1-8b');
    for (const job of escalated) {
      expect(job.calls).toBe(2);
      expect(job.later).toEqual([job.model]);
    }
    for (const job of jobs.rows.filter((j) => j.model === 'llama-3.1-8b')) expect(job.calls).toBe(1);
    const checkFailed = await env.pool.query<{ n: number }>(`select count(*)::int as n from ledger where model = 'llama-3.1-8b' and status = 'settled'`);
    expect(checkFailed.rows[0]!.n).toBe(JOBS);

    // Answers without usage are charged on estimated usage, and say so.
    const usage = await env.pool.query<{ estimated: number; priced: boolean }>(
      `select count(*) filter (where usage_estimated)::int as estimated,
              bool_and(act_input_tokens > 0 and act_output_tokens > 0 and cost_micros > 0) filter (where usage_estimated) as priced
         from ledger`,
    );
    expect(usage.rows[0]!.estimated).toBeGreaterThan(0);
    expect(usage.rows[0]!.priced).toBe(true);

    await expectLedgerEqualsBudgets(env.pool, sim.stats());
  });
});
