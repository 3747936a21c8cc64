import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { loadConfig } from '../../src/config.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { catalogTokenizerFor } from '../../src/providers/sim/catalog-tokenizer-for.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/sim/simulator.js';
import { openProducer } from '../../src/queue/open-producer.js';
import { spawnWorker, type WorkerProcess } from '../../bench/support/spawn-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { expectEveryJobCompleted, expectLedgerEqualsBudgets } from './support/invariants.js';
import { expectResultsEqualLedger, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const JOBS = 60;
const STALE_MS = 4_000;
let sim: RunningSimulator;
let workerEnv: Record<string, string>;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  const catalog = loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' });
  // Calls take about a second, so the worker dies with calls certainly still out at the provider.
  sim = await startSimulator({ port: 0, tokenizerFor: catalogTokenizerFor(catalog), config: { models: { '*': { latencyMs: 1_000, jitterMs: 200 } } } });
  workerEnv = { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' };
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
});

afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGKILL');
  await sim?.close();
});

describe('a worker process killed with SIGKILL in the middle of a batch', () => {
  it('loses no job: its jobs re-run only after their open calls are closed as stale, one charge for the dead call and one for the new', { timeout: 120_000 }, async () => {
    const config = loadConfig({ ...workerEnv });
    const specs = Array.from({ length: JOBS }, (_, i) =>
      parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Ticket ${i}: I was charged twice this month`, labels: ['billing', 'bug', 'other'] }, budgets: ['team'] }),
    );
    const { producer, close } = await openProducer(config);
    const outcomes = await producer.enqueue(specs);
    await close();
    const jobIds = outcomes.map((o) => o.jobId);

    // Calls take about a second: a reservation older than 4 s belongs to a dead worker.
    const options = { concurrency: 20, lockDurationMs: 2_000, stalledIntervalMs: 500, staleReservationMs: STALE_MS, staleCheckMs: 500 };
    const doomed = await spawnWorker(workerEnv, options);
    workers.push(doomed);
    // Mid-batch: some calls settled, others reserved and waiting on the provider.
    await waitFor(
      async () => {
        // Reserved within the last 400 ms: those calls cannot have been answered yet.
        const { rows } = await env.pool.query<{ settled: number; reserved: number }>(
          `select count(*) filter (where status = 'settled')::int as settled,
                  count(*) filter (where status = 'reserved' and started_at > now() - interval '400 milliseconds')::int as reserved from ledger`,
        );
        return rows[0]!.settled >= 10 && rows[0]!.reserved >= 3;
      },
      { what: 'calls settled and others in flight', timeoutMs: 20_000 },
    );
    await doomed.kill('SIGKILL');
    expect(await doomed.exited).toBe('SIGKILL');
    // A transaction the worker sent just before dying may still commit; wait until Postgres has
    // seen all of its connections close before taking stock.
    await waitFor(
      async () => {
        const { rows } = await env.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'frugal-worker'`);
        return rows[0]!.n === 0;
      },
      { what: "the dead worker's connections to close" },
    );
    const orphaned = await env.pool.query<{ call_id: string; job_id: string; started_at: Date }>(`select call_id, job_id, started_at from ledger where status = 'reserved'`);
    expect(orphaned.rows.length).toBeGreaterThan(0);

    // Another worker takes the dead worker's jobs once their locks expire, but calls for one only
    // after the dead worker's open call on it is closed as stale (the job fence).
    const survivor = await spawnWorker(workerEnv, options);
    workers.push(survivor);
    await waitFor(
      async () => {
        const { rows } = await env.pool.query<{ n: number }>('select count(*)::int as n from results');
        return rows[0]!.n >= JOBS;
      },
      { what: 'every job completed by the surviving worker', timeoutMs: 40_000 },
    );
    await survivor.close();

    // Results of jobs whose dead worker's call is still reserved are not final yet; all others are.
    await expectResultsEqualLedger(env.pool, { allowOpen: true });
    // The dead worker's reservations: its calls may have happened, so they count as spent.
    const closed = await env.pool.query<{ call_id: string; status: string; closed_stale: boolean; cost_micros: string; reserved_micros: string; settled_at: Date }>(
      'select call_id, status, closed_stale, cost_micros, reserved_micros, settled_at from ledger where call_id = any($1::uuid[])',
      [orphaned.rows.map((r) => r.call_id)],
    );
    for (const call of closed.rows) {
      expect({ status: call.status, closedStale: call.closed_stale, cost: Number(call.cost_micros) }).toEqual({ status: 'closed_as_spent', closedStale: true, cost: Number(call.reserved_micros) });
    }
    // Each of those jobs: one charge for the dead call, one for the new call, made after the close.
    for (const orphan of orphaned.rows) {
      const { rows } = await env.pool.query<{ status: string; started_at: Date }>(
        `select status, started_at from ledger where job_id = $1 and call_id <> $2 and status <> 'released' order by started_at`,
        [orphan.job_id, orphan.call_id],
      );
      expect(rows.map((r) => r.status), `calls of job ${orphan.job_id} after its dead call`).toEqual(['settled']);
      const closedAt = closed.rows.find((c) => c.call_id === orphan.call_id)!.settled_at;
      expect(rows[0]!.started_at.getTime()).toBeGreaterThanOrEqual(closedAt.getTime());
      expect(closedAt.getTime() - orphan.started_at.getTime()).toBeGreaterThanOrEqual(STALE_MS);
    }
    // The result = ledger invariant, asserted directly: a result's cost and call count are those
    // of its job's calls settled or closed as spent.
    const mismatched = await env.pool.query(
      `select r.job_id from results r left join ledger l on l.job_id = r.job_id and l.status in ('settled', 'closed_as_spent')
        group by r.job_id, r.cost_micros, r.calls having r.cost_micros <> coalesce(sum(l.cost_micros), 0) or r.calls <> count(l.call_id)`,
    );
    expect(mismatched.rows).toEqual([]);

    await expectEveryJobCompleted(env.pool, jobIds);
    await expectLedgerEqualsBudgets(env.pool, sim.stats());
    // Closing them brought the results of their jobs (completed by the survivor) up to the ledger.
    expect(await expectResultsEqualLedger(env.pool)).toBe(JOBS);
  });
});
