import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import type { RunningSimulator } from '../../src/providers/sim/simulator.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { spawnWorker, type WorkerProcess } from '../../bench/support/spawn-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { enqueueJobs, startTestSimulator } from './support/fault-setup.js';
import { expectEveryJobCompleted, expectLedgerEqualsBudgets } from './support/invariants.js';
import { PrivateRedis } from './support/private-redis.js';
import { useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const JOBS = 40;
let sim: RunningSimulator;
let redis: PrivateRedis;
let workerEnv: Record<string, string>;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  sim = await startTestSimulator({ models: { '*': { latencyMs: 20 } } });
  redis = await PrivateRedis.start();
  workerEnv = { DATABASE_URL: env.databaseUrl, REDIS_URL: redis.url, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' };
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await redis?.dispose();
  await sim?.close();
});

async function waitingJobs(): Promise<number> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const queue = createIntakeQueue(client, env.prefix);
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  } finally {
    await queue.close();
    await client.quit();
  }
}

describe('Redis stopped and started again between enqueueing and processing', () => {
  it('keeps every enqueued job, and a worker started afterwards completes them all', async () => {
    const specs = Array.from({ length: JOBS }, (_, i) =>
      parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Order ${i} never arrived and nobody answers`, labels: ['delivery', 'billing', 'other'] }, budgets: ['team'] }),
    );
    const jobIds = await enqueueJobs(workerEnv, specs);
    expect(await waitingJobs()).toBe(JOBS);

    await redis.stop();
    await redis.startServer();
    expect(await waitingJobs()).toBe(JOBS);

    worker = await spawnWorker(workerEnv, { concurrency: 10 });
    await waitFor(
      async () => {
        const { rows } = await env.pool.query<{ n: number }>('select count(*)::int as n from results');
        return rows[0]!.n >= JOBS;
      },
      { what: 'every job completed', timeoutMs: 30_000 },
    );
    await worker.close();

    await expectEveryJobCompleted(env.pool, jobIds);
    await expectLedgerEqualsBudgets(env.pool, sim.stats());
    expect(sim.stats().byStatus['200']).toBe(JOBS);
  });

  it('lets a running worker ride out Redis going away mid-batch: every job completes, none is charged twice', { timeout: 90_000 }, async () => {
    sim.configure({ models: { '*': { latencyMs: 150 } } });
    const specs = Array.from({ length: JOBS }, (_, i) =>
      parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Parcel ${i} arrived damaged, please advise`, labels: ['delivery', 'billing', 'other'] }, budgets: ['team'] }),
    );
    const jobIds = await enqueueJobs(workerEnv, specs);
    const done = async (): Promise<number> => {
      const { rows } = await env.pool.query<{ n: number }>('select count(*)::int as n from results where job_id = any($1::text[])', [jobIds]);
      return rows[0]!.n;
    };
    worker = await spawnWorker(workerEnv, { concurrency: 10, lockDurationMs: 2_000, stalledIntervalMs: 500 });
    await waitFor(async () => (await done()) >= 5, { what: 'the batch under way' });
    expect(await done()).toBeLessThan(JOBS);

    await redis.stop();
    await redis.startServer();
    await waitFor(async () => (await done()) >= JOBS, { what: 'every job completed after the restart', timeoutMs: 40_000 });
    await worker.close();

    await expectEveryJobCompleted(env.pool, jobIds);
    await expectLedgerEqualsBudgets(env.pool, sim.stats());
  });
});
