import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { REFUSED_REASON } from '../../src/workers/job-pipeline.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { expectResultsEqualLedger, ledgerOf, resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// Claude Haiku is both the cheapest model and the only premium-rated one (as it is in the real
// catalog for many jobs): the case where "escalate to a higher rating" had nowhere to go.
const pipeline = usePipeline(env, {
  catalog: { models: { 'claude-haiku': { inputPerMillion: 0.01, outputPerMillion: 0.01 } } },
});
const HAIKU = 'claude-haiku-5-5';
const schema = { type: 'object', properties: { orders: { type: 'integer' }, topic: { type: 'string' } }, required: ['orders', 'topic'] };

async function jobRow(jobId: string): Promise<{ status: string; error: string | null } | undefined> {
  const { rows } = await env.pool.query<{ status: string; error: string | null }>('select status, error from jobs where job_id = $1', [jobId]);
  return rows[0];
}

describe('a refusal by the vendor (Anthropic stop_reason "refusal", through the Anthropic SDK)', () => {
  it('is charged as answered, and the job goes to the next cheapest qualified model', async () => {
    pipeline.sim.configure({ models: { [HAIKU]: { refusalRate: 1, malformedJsonRate: 0 } } });
    const spec = parseJobSpec({ kind: 'classify', tier: 'standard', payload: { text: 'Please refund my last invoice.', labels: ['billing', 'bug', 'other'] } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();

    const calls = await ledgerOf(env.pool, jobIdFor(spec));
    const result = (await resultsByJob(env.pool)).get(jobIdFor(spec));
    expect(calls[0]).toMatchObject({ model: 'claude-haiku', status: 'settled' });
    expect(calls[0]!.costMicros).toBeGreaterThan(0);
    expect(calls).toHaveLength(2);
    expect(result?.model).toBe(calls[1]!.model);
    expect(result!.model).not.toBe('claude-haiku');
    expect(result!.calls).toBe(2);
    const { rows } = await env.pool.query<{ route: { candidates: Array<{ modelId: string; lost?: string }> } }>('select route from jobs where job_id = $1', [jobIdFor(spec)]);
    expect(rows[0]!.route.candidates.find((c) => c.modelId === 'claude-haiku')?.lost).toBe(REFUSED_REASON);
    expect(await expectResultsEqualLedger(env.pool)).toBeGreaterThan(0);
  });

  it('fails the job with the reasons when every qualified model refuses', async () => {
    pipeline.sim.configure({ models: { [HAIKU]: { refusalRate: 1, malformedJsonRate: 0 } } });
    // Only Claude Haiku is rated premium for classify.
    const spec = parseJobSpec({ kind: 'classify', tier: 'premium', payload: { text: 'My card was declined at checkout.', labels: ['billing', 'bug', 'other'] } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();

    const row = await jobRow(jobIdFor(spec));
    expect(row?.status).toBe('failed');
    expect(row!.error).toContain('every qualified model refused to answer');
    expect(row!.error).toContain(`claude-haiku: ${REFUSED_REASON}`);
    expect((await ledgerOf(env.pool, jobIdFor(spec))).map((c) => [c.model, c.status])).toEqual([['claude-haiku', 'settled']]);
    // Refusals are not retried by BullMQ: the job failed on its first attempt.
    const job = await pipeline.worker!.runtime.queue.getJob(jobIdFor(spec));
    expect(job?.attemptsMade).toBe(1);
    expect(await job?.getState()).toBe('failed');
  });
});

describe('an answer that fails its check on the cheapest model', () => {
  it('goes to the next cheapest qualified model that has not failed, even one rated lower', async () => {
    pipeline.sim.configure({ models: { [HAIKU]: { refusalRate: 0, malformedJsonRate: 1 } } });
    const spec = parseJobSpec({ kind: 'extract', tier: 'standard', payload: { text: 'Order 4411 shipped; the customer asks about 3 orders.', schema } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();

    const calls = await ledgerOf(env.pool, jobIdFor(spec));
    const result = (await resultsByJob(env.pool)).get(jobIdFor(spec));
    expect(calls.map((c) => c.status)).toEqual(['settled', 'settled']);
    expect(calls[0]!.model).toBe('claude-haiku');
    expect(result?.model).toBe(calls[1]!.model);
    const next = pipeline.catalog.require(result!.model);
    expect(next.ratings.extract).not.toBe('premium'); // lower than Haiku's
    expect(await expectResultsEqualLedger(env.pool)).toBeGreaterThan(0);
  });

  it('fails the attempt when no qualified model is left; a later attempt starts afresh and its result counts both', async () => {
    pipeline.sim.configure({ models: { [HAIKU]: { refusalRate: 0, malformedJsonRate: 1 } } });
    // Only Claude Haiku is rated premium for extract.
    const spec = parseJobSpec({ kind: 'extract', tier: 'premium', payload: { text: 'Order 9001 is late; 2 orders in total.', schema } });
    const jobId = jobIdFor(spec);
    await pipeline.producer.producer.enqueue([spec]);
    const job = await waitFor(async () => {
      const j = await pipeline.worker!.runtime.queue.getJob(jobId);
      return j && j.attemptsMade >= 1 ? j : undefined;
    }, { what: 'the first attempt to fail' });
    expect(job.failedReason).toContain('no qualified model is left to try');
    expect(job.failedReason).toContain('claude-haiku: its answer failed the output check');
    // The model answers well again before BullMQ's retry.
    pipeline.sim.configure({ models: { [HAIKU]: { malformedJsonRate: 0 } } });
    await pipeline.worker!.untilEmpty();

    const { rows } = await env.pool.query<{ attempt: number; seq: number; model: string; status: string }>(
      'select attempt, seq, model, status from ledger where job_id = $1 order by attempt, seq',
      [jobId],
    );
    expect(rows.map((r) => [r.attempt, r.seq, r.model, r.status])).toEqual([
      [0, 0, 'claude-haiku', 'settled'],
      [1, 0, 'claude-haiku', 'settled'],
    ]);
    const result = (await resultsByJob(env.pool)).get(jobId);
    expect(result?.calls).toBe(2);
    expect((await jobRow(jobId))?.status).toBe('completed');
    expect(await expectResultsEqualLedger(env.pool)).toBeGreaterThan(0);
  });
});
