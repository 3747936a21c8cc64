import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { openDb, type DbHandle } from '../../src/db/client.js';
import { InputError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { JobFence } from '../../src/workers/job-fence.js';
import { call, usage } from '../budget/helpers.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
const WORKER = 'host-a/4242/a1b2c3';
let workerDb: DbHandle;
let ledger: BudgetLedger;
let n = 0;
const newJob = () => `fence-job-${++n}`;

beforeAll(async () => {
  // The pool of a worker process: every connection carries its identity.
  workerDb = await openDb(env.databaseUrl, { max: 2, workerId: WORKER });
  ledger = new BudgetLedger(workerDb.pool, { logger: createLogger('silent') });
});

afterAll(async () => {
  await workerDb?.close();
});

async function storeResult(jobId: string): Promise<void> {
  await env.pool.query(`insert into results (job_id, kind, model, output_text, cost_micros, calls) values ($1, 'summarize', 'm', 'done', 5, 1)`, [jobId]);
}

describe('the job fence', () => {
  it("names the reserving worker on each ledger row, and leaves it empty for processes that don't say", async () => {
    const mine = call({ jobId: newJob(), maxCostMicros: 100 });
    const other = call({ jobId: newJob(), maxCostMicros: 100 });
    await ledger.reserve(mine);
    await new BudgetLedger(env.pool, { logger: createLogger('silent') }).reserve(other);
    const { rows } = await env.pool.query<{ call_id: string; worker_id: string | null }>('select call_id, worker_id from ledger where call_id = any($1::uuid[])', [[mine.callId, other.callId]]);
    expect(Object.fromEntries(rows.map((r) => [r.call_id, r.worker_id]))).toEqual({ [mine.callId]: WORKER, [other.callId]: null });
  });

  it('refuses a worker id that cannot travel in the connection options, naming the allowed characters', async () => {
    await expect(openDb(env.databaseUrl, { workerId: 'host a; drop' })).rejects.toThrow(InputError);
    await expect(openDb(env.databaseUrl, { workerId: 'host a; drop' })).rejects.toThrow(/letters, digits and \. _ : \/ -/);
  });

  it("holds a job while another delivery's call is open and young, backing off with its age but never past the stale age", async () => {
    const jobId = newJob();
    const open = call({ jobId, maxCostMicros: 100 });
    await ledger.reserve(open);
    const verdict = await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId);
    expect(verdict).toMatchObject({ kind: 'held', holder: { callId: open.callId, workerId: WORKER, attempt: 0 } });
    if (verdict.kind !== 'held') throw new Error('unreachable');
    expect(verdict.waitMs).toBeGreaterThanOrEqual(250);
    expect(verdict.waitMs).toBeLessThanOrEqual(6_000);

    await env.pool.query(`update ledger set started_at = now() - interval '59 seconds' where call_id = $1`, [open.callId]);
    const late = await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId);
    if (late.kind !== 'held') throw new Error(`expected held, got ${late.kind}`);
    expect(late.waitMs, 'the next look comes when the call turns stale').toBeLessThanOrEqual(1_300);
  });

  it('calls an open reservation older than the stale age stale, so its job can close it and go on', async () => {
    const jobId = newJob();
    const open = call({ jobId, maxCostMicros: 100 });
    await ledger.reserve(open);
    await env.pool.query(`update ledger set started_at = now() - interval '2 minutes' where call_id = $1`, [open.callId]);
    expect(await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId)).toMatchObject({ kind: 'stale', holders: [{ callId: open.callId }] });
  });

  it("waits a moment for the result of another delivery's call settled just now, then lets the job go on without one", async () => {
    const jobId = newJob();
    const done = call({ jobId, maxCostMicros: 100 });
    await ledger.reserve(done);
    await ledger.settle(done.callId, { costMicros: 5, usage: usage() });
    expect(await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId)).toMatchObject({ kind: 'held', reason: 'settling', holder: { callId: done.callId } });
    expect(await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId, [done.callId]), "the delivery's own call").toEqual({ kind: 'clear' });
    await env.pool.query(`update ledger set settled_at = now() - interval '6 seconds' where call_id = $1`, [done.callId]);
    expect(await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId)).toEqual({ kind: 'clear' });
  });

  it('does not wait after a failed call charged at its maximum: no result can follow it', async () => {
    const jobId = newJob();
    const failed = call({ jobId, maxCostMicros: 100 });
    await ledger.reserve(failed);
    await ledger.settle(failed.callId, { costMicros: 100, usage: usage(), usageEstimated: true });
    expect(await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId)).toEqual({ kind: 'clear' });
  });

  it('completes the job from the result another delivery stored, whatever its calls', async () => {
    const jobId = newJob();
    const open = call({ jobId, maxCostMicros: 100 });
    await ledger.reserve(open);
    await storeResult(jobId);
    expect(await new JobFence(env.pool, { staleMs: 60_000 }).before(jobId)).toEqual({ kind: 'stored' });
  });

  it('after reserving, counts only the reservations that began earlier: of two racing deliveries the later yields', async () => {
    const jobId = newJob();
    const first = call({ jobId, maxCostMicros: 100 });
    const second = call({ jobId, maxCostMicros: 100, attempt: 1 });
    await ledger.reserve(first);
    await ledger.reserve(second);
    const fence = new JobFence(env.pool, { staleMs: 60_000 });
    expect(await fence.after(jobId, first.callId)).toEqual({ kind: 'clear' });
    expect(await fence.after(jobId, second.callId)).toMatchObject({ kind: 'held', holder: { callId: first.callId } });
  });
});
