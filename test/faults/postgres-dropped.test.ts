import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { createLogger } from '../../src/log.js';
import type { RunningSimulator } from '../../src/providers/sim/simulator.js';
import { spawnWorker, type WorkerProcess } from '../../bench/support/spawn-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { expectEveryJobCompleted, expectLedgerEqualsBudgets } from './support/invariants.js';
import { enqueueJobs, startTestSimulator } from './support/fault-setup.js';
import { useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const JOBS = 80;
const DROPS = 8;
let sim: RunningSimulator;
let workerEnv: Record<string, string>;
let worker: WorkerProcess | undefined;
let killer: pg.Client;

beforeAll(async () => {
  sim = await startTestSimulator({ models: { '*': { latencyMs: 40 } } });
  workerEnv = { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: process.env.FRUGAL_BENCH_DEBUG ? 'info' : 'silent' };
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
  killer = new pg.Client({ connectionString: env.databaseUrl, application_name: 'frugal-test-killer' });
  await killer.connect();
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await killer?.end();
  await sim?.close();
});

/** Terminates every connection to this test's own database but the one asking (other tests share the server). */
async function dropConnections(): Promise<number> {
  const { rows } = await killer.query<{ dropped: boolean }>(
    `select pg_terminate_backend(pid) as dropped from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  return rows.filter((r) => r.dropped).length;
}

describe('Postgres connections dropped while calls are being settled', () => {
  it('loses no job, charges no call twice, leaks no connection: the ledger still equals the budgets', { timeout: 60_000 }, async () => {
    const specs = Array.from({ length: JOBS }, (_, i) =>
      parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: `Report ${i}. Sales rose by ${i} percent. Costs fell. The team hired two people.` }, budgets: ['team'] }),
    );
    const jobIds = await enqueueJobs(workerEnv, specs);
    worker = await spawnWorker(workerEnv, { concurrency: 16 });

    let dropped = 0;
    let droppedMidSettlement = 0;
    let since = new Date(0);
    for (let i = 0; i < DROPS; i++) {
      // Strike while calls reserved since the last strike are out (the worker has reconnected and
      // their settlements are under way or about to be). Asked on the killer's own connection:
      // the test's pool loses its connections too.
      const state = await waitFor(
        async () => {
          const { rows } = await killer.query<{ open: number; done: number }>(
            `select (select count(*) from ledger where status = 'reserved' and started_at > $1)::int as open, (select count(*) from results)::int as done`,
            [since],
          );
          return rows[0]!.open > 0 || rows[0]!.done >= JOBS ? rows[0]! : undefined;
        },
        { what: 'new calls in flight', timeoutMs: 20_000 },
      );
      if (state.open === 0) break; // the batch finished
      const n = await dropConnections();
      since = (await killer.query<{ now: Date }>('select now()')).rows[0]!.now;
      dropped += n;
      if (n > 0) droppedMidSettlement++;
    }
    expect(dropped).toBeGreaterThan(0);
    expect(droppedMidSettlement).toBeGreaterThanOrEqual(3);

    await waitFor(
      async () => {
        const { rows } = await env.pool.query<{ n: number }>('select count(*)::int as n from results');
        return rows[0]!.n >= JOBS;
      },
      { what: 'every job completed after the drops', timeoutMs: 40_000 },
    );
    // A clean shutdown ends with the pool closed, which waits for every client checked out:
    // a client leaked by a failed transaction would hold it until the SIGKILL.
    await worker.close(15_000);
    expect(await worker.exited).toBe(0);
    // Settlements that met a dropped connection were kept pending and written once Postgres
    // answered again, and reservations whose answer was lost were given back: nothing is open.
    const closed = await new BudgetLedger(env.pool, { logger: createLogger('silent') }).closeStale(0);
    expect(closed.closed, 'reservations left open').toBe(0);

    await expectEveryJobCompleted(env.pool, jobIds);
    await expectLedgerEqualsBudgets(env.pool, sim.stats());
  });
});
