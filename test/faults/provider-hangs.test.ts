import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import type { RunningSimulator } from '../../src/providers/sim/simulator.js';
import { spawnWorker, type WorkerProcess } from '../../bench/support/spawn-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { enqueueJobs, startTestSimulator } from './support/fault-setup.js';
import { expectLedgerEqualsBudgets } from './support/invariants.js';
import { useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const JOBS = 30;
const HANGING = 'llama-3.1-8b-instant';
let sim: RunningSimulator;
let workerEnv: Record<string, string>;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  // The cheapest model for these jobs never answers.
  sim = await startTestSimulator({ models: { [HANGING]: { timeoutRate: 1 } } });
  workerEnv = { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' };
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await sim?.close();
});

describe('a provider that hangs', () => {
  it('times its calls out, charges them at their reservation, and the jobs fall back to another model or fail cleanly', async () => {
    const specs = Array.from({ length: JOBS }, (_, i) =>
      parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Invoice ${i} was paid twice`, labels: ['billing', 'bug', 'other'] }, budgets: ['team'] }),
    );
    const jobIds = await enqueueJobs(workerEnv, specs);
    worker = await spawnWorker(workerEnv, { concurrency: 10, callTimeoutMs: 300 });

    // Every job ends: a result, or a failed job row with its reason.
    const finished = await waitFor(
      async () => {
        const { rows } = await env.pool.query<{ done: number; failed: number }>(
          `select (select count(*) from results where job_id = any($1::text[]))::int as done,
                  (select count(*) from jobs where status = 'failed' and job_id = any($1::text[]))::int as failed`,
          [jobIds],
        );
        return rows[0]!.done + rows[0]!.failed >= JOBS ? rows[0]! : undefined;
      },
      { what: 'every job completed or failed', timeoutMs: 40_000 },
    );
    await worker.close();

    const hung = sim.stats().models[HANGING];
    expect(hung?.timeouts ?? 0).toBeGreaterThan(0);
    // No reservation leaked: every timed-out call was settled by the worker itself (no closeStale here).
    const timedOut = await env.pool.query<{ status: string; n: number; at_reservation: boolean; estimated: boolean }>(
      `select status, count(*)::int as n, bool_and(cost_micros = reserved_micros) as at_reservation, bool_and(usage_estimated) as estimated
         from ledger where model = 'llama-3.1-8b' group by status`,
    );
    expect(timedOut.rows).toEqual([{ status: 'settled', n: hung!.timeouts, at_reservation: true, estimated: true }]);
    // The jobs that completed did so on another model.
    const models = await env.pool.query<{ model: string }>('select distinct model from results');
    expect(models.rows.map((r) => r.model)).not.toContain('llama-3.1-8b');
    expect(finished.done).toBeGreaterThan(0);
    const failed = await env.pool.query<{ error: string | null }>(`select error from jobs where status = 'failed'`);
    for (const row of failed.rows) expect(row.error).toMatch(/timed out|timeout/i);

    await expectLedgerEqualsBudgets(env.pool, sim.stats());
  });
});
