import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import type { RunningSimulator } from '../../src/providers/sim/simulator.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { spawnWorker, type WorkerProcess } from '../../bench/support/spawn-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { enqueueJobs, startTestSimulator } from './support/fault-setup.js';
import { expectOneJobPaidOnce } from './support/one-job-once.js';
import { TcpProxy } from './support/tcp-proxy.js';

const env = useTestEnv();
const CALL_MS = 3_000;
/**
 * Longer than the ledger's own retries of a transient error (about 0.2 s) by far, and than a job
 * lock plus a stalled check: the job stays with its worker only because the lock is renewed.
 */
const HOLD_MS = 7_000;
let sim: RunningSimulator;
const proxies: TcpProxy[] = [];
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  sim = await startTestSimulator({ models: { '*': { latencyMs: CALL_MS } } });
  const pg = new URL(env.databaseUrl);
  for (let i = 0; i < 2; i++) proxies.push(await TcpProxy.start({ host: pg.hostname, port: Number(pg.port || 5432) }));
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
});

afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGKILL');
  for (const proxy of proxies) await proxy.close();
  await sim?.close();
});

describe('a worker cut from Postgres after the provider answered', () => {
  it('keeps the result and settlement pending until Postgres returns, settles the call once and never calls again', { timeout: 60_000 }, async () => {
    const base = { REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: process.env.FRUGAL_BENCH_DEBUG ? 'info' : 'silent' };
    // Short locks: were the cut-off worker's lock not renewed, the other worker would take the job.
    // (Not shorter: a fresh worker's first job blocks its event loop while the tokenizer loads.)
    const options = { concurrency: 4, lockDurationMs: 5_000, stalledIntervalMs: 1_000, staleReservationMs: 60_000 };
    // Two workers, each connected to Postgres through its own proxy; whichever takes the job is cut.
    for (const proxy of proxies) workers.push(await spawnWorker({ ...base, DATABASE_URL: proxy.route(env.databaseUrl) }, options));
    const [jobId] = await enqueueJobs({ ...base, DATABASE_URL: env.databaseUrl }, [
      parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'Sales rose by four percent. Costs fell. The team hired two people and opened an office.' }, budgets: ['team'] }),
    ]);
    const reserved = await waitFor(
      async () => (await env.pool.query<{ worker_id: string }>(`select worker_id from ledger where job_id = $1 and status = 'reserved'`, [jobId])).rows[0],
      { what: 'the call reserved' },
    );
    await waitFor(() => sim.stats().requests === 1, { what: 'the call out at the provider' });
    const cutIndex = workers.findIndex((w) => reserved.worker_id.split('/')[1] === String(w.pid));
    expect(cutIndex).toBeGreaterThanOrEqual(0);
    const proxy = proxies[cutIndex]!;
    proxy.cut();

    await waitFor(() => sim.stats().byStatus['200'] === 1, { what: 'the provider answered', timeoutMs: CALL_MS + 5_000 });
    const answeredAt = Date.now();
    const queue = createIntakeQueue(env.redis, env.prefix);
    // While Postgres is unreachable the answer waits in the worker: the job stays active (its
    // lock renewed, no other worker takes it), the call stays reserved, nothing is called again.
    await waitFor(() => Date.now() - answeredAt >= HOLD_MS, { what: 'the cut held', timeoutMs: HOLD_MS + 1_000, intervalMs: 200 });
    expect(proxy.refused, "the cut-off worker's attempts to reach Postgres").toBeGreaterThan(0);
    expect(await queue.getJobState(jobId!)).toBe('active');
    expect((await queue.getJob(jobId!))?.stalledCounter).toBe(0);
    const open = await env.pool.query<{ status: string }>('select status from ledger where job_id = $1', [jobId]);
    expect(open.rows).toEqual([{ status: 'reserved' }]);
    expect((await env.pool.query('select 1 from results where job_id = $1', [jobId])).rowCount).toBe(0);
    expect(sim.stats().requests).toBe(1);
    proxy.restore();

    await waitFor(async () => (await queue.getJobState(jobId!)) === 'completed', { what: 'the job completed', timeoutMs: 20_000 });

    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    for (const worker of workers) await worker.close(15_000);
    for (const worker of workers) expect(await worker.exited).toBe(0);

    await expectOneJobPaidOnce({ pool: env.pool, redis: env.redis, prefix: env.prefix, jobId: jobId!, sim: sim.stats() });
  });
});
