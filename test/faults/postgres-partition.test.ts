import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { FrugalWorker } from '../../src/workers/frugal-worker.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { enqueueJobs } from './support/fault-setup.js';
import { expectOneJobPaidOnce } from './support/one-job-once.js';
import { usePartitionedWorkers } from './support/partitioned-workers.js';

const env = useTestEnv();
const CALL_MS = 3_000;
/**
 * Longer than the ledger's own retries of a transient error (about 0.2 s) by far, and than a job
 * lock plus a stalled check: the job stays with its worker only because the lock is renewed.
 */
const HOLD_MS = 7_000;
const partition = usePartitionedWorkers(env, { service: 'postgres', callMs: CALL_MS });
const { proxies, workers } = partition;

describe('a worker cut from Postgres after the provider answered', () => {
  it('keeps the result and settlement pending until Postgres returns, settles the call once and never calls again', { timeout: 120_000 }, async () => {
    // Short locks: were the cut-off worker's lock not renewed, the other worker would take the job.
    // (Not shorter: a fresh worker's first job blocks its event loop while the tokenizer loads.)
    const options = { concurrency: 4, lockDurationMs: 5_000, stalledIntervalMs: 1_000, staleReservationMs: 60_000, shutdownTimeoutMs: 10_000 };
    // Two workers, each connected to Postgres through its own proxy; whichever takes the job is cut.
    await partition.startWorkers(options);
    const jobId = await partition.enqueue(
      parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'Sales rose by four percent. Costs fell. The team hired two people and opened an office.' }, budgets: ['team'] }),
    );
    const proxy = await partition.cutTheCaller(jobId);

    await waitFor(() => partition.sim.stats().byStatus['200'] === 1, { what: 'the provider answered', timeoutMs: CALL_MS + 5_000 });
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
    expect(partition.sim.stats().requests).toBe(1);
    proxy.restore();

    await waitFor(async () => (await queue.getJobState(jobId!)) === 'completed', { what: 'the job completed', timeoutMs: 20_000 });

    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
    for (const worker of workers) await worker.close(30_000);
    for (const worker of workers) expect(await worker.exited).toBe(0);

    await expectOneJobPaidOnce({ pool: env.pool, redis: env.redis, prefix: env.prefix, jobId: jobId!, sim: partition.sim.stats() });
  });
});

describe('a worker stopped while Postgres is unreachable and a settlement is pending', () => {
  it('waits for it up to its shutdown timeout, then logs the settlement it could not write and exits', { timeout: 60_000 }, async () => {
    const prefix = `${env.prefix}-stop`;
    const proxy = proxies[0]!;
    proxy.restore();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
    const config = loadConfig({ DATABASE_URL: proxy.route(env.databaseUrl), REDIS_URL: env.redisUrl, FRUGAL_PREFIX: prefix, FRUGAL_SIM_URL: partition.sim.url, LOG_LEVEL: 'silent' });
    const worker = await FrugalWorker.start(config, { logger, concurrency: 1, shutdownTimeoutMs: 1_500, staleReservationMs: 60_000 });
    const before = partition.sim.stats().byStatus['200'] ?? 0;
    const [jobId] = await enqueueJobs({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: prefix, LOG_LEVEL: 'silent' }, [
      parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'The shop opened late. Customers waited outside in the rain for an hour.' }, budgets: ['team'] }),
    ]);
    const reserved = await waitFor(
      async () => (await env.pool.query<{ call_id: string }>(`select call_id from ledger where job_id = $1 and status = 'reserved'`, [jobId])).rows[0],
      { what: 'the call reserved' },
    );
    proxy.cut();
    await waitFor(() => lines.some((l) => l.msg === 'Postgres unreachable after the provider answered: keeping the settlement pending'), { what: 'the settlement pending', timeoutMs: CALL_MS + 5_000 });
    expect(partition.sim.stats().byStatus['200']).toBe(before + 1);

    const started = Date.now();
    await worker.close();
    expect(Date.now() - started, 'the shutdown waited for the pending settlement').toBeGreaterThanOrEqual(1_500);
    const unwritten = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('settlement(s) Postgres never took'));
    expect(unwritten, JSON.stringify(lines.map((l) => l.msg))).toMatchObject({ settlements: [{ jobId, callId: reserved.call_id, costMicros: expect.any(Number) }] });
    proxy.restore();
    // Nothing was written for the call: it stays reserved until the stale close charges it in full.
    const { rows } = await env.pool.query<{ status: string }>('select status from ledger where call_id = $1', [reserved.call_id]);
    expect(rows).toEqual([{ status: 'reserved' }]);
  });
});
