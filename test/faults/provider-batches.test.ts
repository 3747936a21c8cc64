import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { OpenAIBatchVendor } from '../../src/batch/openai-batch-vendor.js';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { estimate } from '../../src/pricing/estimate.js';
import { estimateUsageWithTiktoken } from '../../src/providers/estimate-usage.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { estimateRequestFor } from '../../src/router/forecast.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { budgetsMatchLedger, resultsByJob } from '../support/queries.js';

const env = useTestEnv();
// The test drives the coordinator itself (no ticks), so each fault lands exactly where it says.
const pipeline = usePipeline(env, {
  sim: { batches: { processingMs: 0 } },
  worker: { batches: { collectMs: 3_600_000, tickMs: 3_600_000, pollMs: 0, reconcileAfterMs: 0 } },
});
const coordinator = () => pipeline.worker!.runtime.batches!.coordinator;
const doc = (n: number) => `Memo ${n}. The canteen served ${n * 37} meals on Friday. The freezer alarm rang twice and maintenance replaced a seal.`;

beforeAll(async () => {
  await new BudgetStore(env.pool).set({ name: 'ops', limitMicros: 5_000_000, period: 'day' });
});

async function collecting(jobIds: string[]): Promise<Array<{ call_id: string; job_id: string; body: unknown }>> {
  return waitFor(async () => {
    const { rows } = await env.pool.query<{ call_id: string; job_id: string; body: unknown }>(
      `select c.call_id::text as call_id, c.job_id, c.body from provider_batch_calls c join ledger l using (call_id)
       where c.job_id = any($1) and c.state = 'collecting' and l.status = 'reserved'`,
      [jobIds],
    );
    const { rows: waiting } = await env.pool.query<{ n: number }>(`select count(*)::int as n from jobs where job_id = any($1) and status = 'in_batch'`, [jobIds]);
    return rows.length === jobIds.length && waiting[0]!.n === jobIds.length ? rows : undefined;
  }, { what: 'calls collected for a batch' });
}

async function enqueueBatchJobs(from: number, count: number): Promise<string[]> {
  const specs = Array.from({ length: count }, (_, i) => parseJobSpec({ kind: 'summarize', tier: 'advanced', payload: { text: doc(from + i) }, budgets: ['ops'], deadline: '24h' }));
  await pipeline.producer.producer.enqueue(specs);
  return specs.map(jobIdFor);
}

async function settledOnce(jobIds: string[]): Promise<void> {
  const { rows } = await env.pool.query<{ job_id: string; n: number; status: string }>(
    `select job_id, count(*)::int as n, min(status) as status from ledger where job_id = any($1) group by job_id`,
    [jobIds],
  );
  expect(rows).toHaveLength(jobIds.length);
  for (const row of rows) expect(row).toMatchObject({ n: 1, status: 'settled' });
  for (const row of await budgetsMatchLedger(env.pool)) expect(row).toMatchObject({ spent: row.ledger, reserved: 0 });
}

describe('provider batches under faults', () => {
  it('finds a batch the vendor accepted before the dying worker recorded it, by its metadata, and settles it once', async () => {
    const ids = await enqueueBatchJobs(0, 2);
    const calls = await collecting(ids);
    // The dead worker's write-ahead record and its vendor call; the vendor's answer was never recorded.
    const batchId = randomUUID();
    await env.pool.query(
      `insert into provider_batches (id, provider, model, provider_model_id, completion_window, request_count, expires_at) values ($1, 'openai', 'gpt-4o-mini', 'gpt-4o-mini', '24h', 2, now() + interval '1 day')`,
      [batchId],
    );
    await env.pool.query(`update provider_batch_calls set provider_batch_id = $1, state = 'submitted' where call_id = any($2::uuid[])`, [batchId, calls.map((c) => c.call_id)]);
    const vendor = new OpenAIBatchVendor({ apiKey: 'sim-openai', baseURL: `${pipeline.sim.url}/v1`, estimateUsage: estimateUsageWithTiktoken });
    await vendor.create(batchId, await vendor.upload(batchId, calls.map((c) => ({ customId: c.call_id, body: c.body }))), '24h');

    expect(await coordinator().reconcile()).toBe(1);
    await coordinator().poll();
    await pipeline.worker!.untilEmpty();
    const results = await resultsByJob(env.pool);
    expect(ids.every((id) => results.has(id))).toBe(true);
    await settledOnce(ids);
    // The vendor saw one batch: nothing was sent twice.
    expect((await vendor.list()).filter((b) => b.frugalBatchId === batchId)).toHaveLength(1);
    expect(pipeline.sim.stats().models['gpt-4o-mini']?.byStatus['200']).toBe(2);
  });

  it('redoes a download cut short and a settlement cut short from the stored lines, counting nothing twice', async () => {
    const ids = await enqueueBatchJobs(10, 3);
    await collecting(ids);
    expect(await coordinator().submitDue(true)).toBe(3);
    const { rows: batch } = await env.pool.query<{ id: string; vendor_batch_id: string }>(`select id, vendor_batch_id from provider_batches where state = 'submitted'`);
    expect(batch).toHaveLength(1);
    // A poller that died holding its lease: nobody else polls until the lease runs out.
    await env.pool.query(`update provider_batches set lease_until = now() + interval '1 hour', lease_owner = 'dead' where id = $1`, [batch[0]!.id]);
    expect(await coordinator().poll()).toBe(0);
    // Killed mid-download: one line stored, two not.
    const vendor = new OpenAIBatchVendor({ apiKey: 'sim-openai', baseURL: `${pipeline.sim.url}/v1`, estimateUsage: estimateUsageWithTiktoken });
    const remote = await vendor.retrieve(batch[0]!.vendor_batch_id);
    const lines = await vendor.download(remote.outputFileId!);
    await env.pool.query(`update provider_batch_calls set line = $2::jsonb, state = 'stored', stored_at = now() where call_id = $1`, [lines[0]!.customId, JSON.stringify(lines[0])]);
    // The lease runs out; another poller takes the batch over.
    await env.pool.query(`update provider_batches set lease_until = now() where id = $1`, [batch[0]!.id]);
    expect(await coordinator().poll()).toBe(3);
    await pipeline.worker!.untilEmpty();
    await settledOnce(ids);
    const before = await budgetsMatchLedger(env.pool);

    // Killed mid-settlement: the ledger settled but the lines were not marked; a redo changes nothing.
    await env.pool.query(`update provider_batch_calls set state = 'stored' where job_id = any($1)`, [ids]);
    await env.pool.query(`update provider_batches set state = 'downloaded', lease_until = now() where id = $1`, [batch[0]!.id]);
    expect(await coordinator().poll()).toBe(3);
    expect(await budgetsMatchLedger(env.pool)).toEqual(before);
    await settledOnce(ids);
  });

  it('never closes a batch reservation as stale, however old', async () => {
    const ids = await enqueueBatchJobs(20, 1);
    await collecting(ids);
    await env.pool.query(`update ledger set started_at = now() - interval '2 days' where job_id = $1`, [ids[0]]);
    const closed = await new BudgetLedger(env.pool, { mode: 'perCall' }).closeStale(60_000);
    expect(closed.closed).toBe(0);
    await coordinator().submitDue(true);
    await coordinator().poll();
    await pipeline.worker!.untilEmpty();
    await settledOnce(ids);
  });

  it('marks a sync job blocked by room that batch reservations hold as waiting for budget, and wakes it when the batch settles', async () => {
    await new BudgetStore(env.pool).set({ name: 'tight', limitMicros: 5_000_000, period: 'day' });
    const batchSpec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: doc(30) }, budgets: ['tight'], deadline: '24h' });
    const syncSpec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: doc(31) }, budgets: ['tight'] });
    await pipeline.producer.producer.enqueue([batchSpec]);
    await collecting([jobIdFor(batchSpec)]);
    const { rows } = await env.pool.query<{ reserved_micros: string }>('select reserved_micros from ledger where job_id = $1', [jobIdFor(batchSpec)]);
    const held = Number(rows[0]!.reserved_micros);
    const needed = estimate(estimateRequestFor(syncSpec), pipeline.catalog.require('llama-3.1-8b')).maxCostMicros;
    await new BudgetStore(env.pool).set({ name: 'tight', limitMicros: held + needed - 1 });

    await pipeline.producer.producer.enqueue([syncSpec]);
    const waiting = await waitFor(async () => {
      const { rows: job } = await env.pool.query<{ status: string; waiting_budget: string }>('select status, waiting_budget from jobs where job_id = $1', [jobIdFor(syncSpec)]);
      return job[0]?.status === 'waiting_budget' ? job[0] : undefined;
    }, { what: 'the sync job marked waiting for budget' });
    expect(waiting.waiting_budget).toBe('tight');
    const { rows: attempts } = await env.pool.query<{ n: number }>('select count(*)::int as n from ledger where job_id = $1', [jobIdFor(syncSpec)]);
    expect(attempts[0]!.n).toBe(0);

    await coordinator().submitDue(true);
    await coordinator().poll();
    await waitFor(async () => (await resultsByJob(env.pool)).has(jobIdFor(syncSpec)), { what: 'the woken sync job to complete' });
    await pipeline.worker!.untilEmpty();
    await settledOnce([jobIdFor(batchSpec), jobIdFor(syncSpec)]);
  });
});
