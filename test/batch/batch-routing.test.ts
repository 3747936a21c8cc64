import { beforeAll, describe, expect, it } from 'vitest';
import { listProviderBatches, requestProviderBatchCancel } from '../../src/batch/list-provider-batches.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec, type JobSpec } from '../../src/jobs/job-spec.js';
import { costMicros } from '../../src/pricing/cost-micros.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { budgetsMatchLedger, resultsByJob } from '../support/queries.js';

const env = useTestEnv();
const pipeline = usePipeline(env, {
  sim: { batches: { processingMs: 200 } },
  worker: { batches: { collectMs: 50, pollMs: 50, tickMs: 50 } },
});

const doc = (n: number) => `Report ${n}. The depot moved ${n * 100} pallets this week. Two forklifts were repaired. The night shift asked for better lighting in aisle ${n}.`;

beforeAll(async () => {
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 5_000_000, period: 'day' });
});

interface CallRow {
  job_id: string;
  model: string;
  mode: string;
  status: string;
  cost_micros: string | null;
  act_input_tokens: number | null;
  act_output_tokens: number | null;
  provider_batch_id: string | null;
}

async function callsOf(jobIds: string[]): Promise<CallRow[]> {
  const { rows } = await env.pool.query<CallRow>(
    'select job_id, model, mode, status, cost_micros, act_input_tokens, act_output_tokens, provider_batch_id from ledger where job_id = any($1) order by job_id, started_at',
    [jobIds],
  );
  return rows;
}

describe('batch routing on the OpenAI and Groq batch APIs', () => {
  const specs: JobSpec[] = [];

  it('sends jobs whose deadline leaves a day to the batch API, settles each line once at the batch price and completes the jobs from the stored answers', async () => {
    for (let i = 0; i < 4; i++) specs.push(parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: doc(i) }, budgets: ['team'], deadline: '24h' }));
    for (let i = 4; i < 8; i++) specs.push(parseJobSpec({ kind: 'summarize', tier: 'advanced', payload: { text: doc(i) }, budgets: ['team'], deadline: '2d' }));
    await pipeline.producer.producer.enqueue(specs);
    await pipeline.worker!.untilEmpty({ batches: 'collect' });

    const ids = specs.map(jobIdFor);
    const results = await resultsByJob(env.pool);
    const calls = await callsOf(ids);
    expect(calls).toHaveLength(8);
    for (const call of calls) {
      expect(call).toMatchObject({ mode: 'batch', status: 'settled' });
      expect(call.provider_batch_id).not.toBeNull();
      const model = pipeline.catalog.require(call.model);
      const usage = { inputTokens: call.act_input_tokens!, cachedInputTokens: 0, outputTokens: call.act_output_tokens! };
      // Exactly the batch price of the reported usage, about half the synchronous price.
      expect(Number(call.cost_micros)).toBe(costMicros(usage, model, { batch: true }));
      expect(Number(call.cost_micros)).toBeLessThanOrEqual(Math.ceil(costMicros(usage, model) / 2) + 1);
      expect(results.get(call.job_id)).toMatchObject({ model: call.model, calls: 1, costMicros: Number(call.cost_micros) });
    }
    expect(new Set(calls.slice(0, 4).map((c) => c.model)).size).toBeGreaterThan(0);
    expect(calls.map((c) => pipeline.catalog.require(c.model).provider).sort()).toEqual(['groq', 'groq', 'groq', 'groq', 'openai', 'openai', 'openai', 'openai']);
    for (const row of await budgetsMatchLedger(env.pool)) expect(row).toMatchObject({ spent: row.ledger, reserved: 0 });

    const { rows: batches } = await env.pool.query<{ provider: string; state: string; vendor_status: string; request_count: number; completion_window: string }>(
      'select provider, state, vendor_status, request_count, completion_window from provider_batches order by provider',
    );
    // One batch per (provider, model, window) collection; a collection may close before every job reached it.
    expect(new Set(batches.map((b) => b.provider))).toEqual(new Set(['groq', 'openai']));
    expect(batches.every((b) => b.state === 'collected' && b.vendor_status === 'completed' && b.completion_window === '24h')).toBe(true);
    expect(batches.reduce((n, b) => n + b.request_count, 0)).toBe(8);
    const { rows: jobs } = await env.pool.query<{ status: string; route: { mode: string }; late: boolean }>('select status, route, late from jobs where job_id = any($1)', [ids]);
    expect(jobs.every((j) => j.status === 'completed' && j.route.mode === 'batch' && !j.late)).toBe(true);
  });

  it('keeps a job without a deadline, or with one shorter than the window, synchronous and records why batch was not an option', async () => {
    const now = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: doc(20) }, budgets: ['team'] });
    const soon = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: doc(21) }, budgets: ['team'], deadline: '6h' });
    await pipeline.producer.producer.enqueue([now, soon]);
    await pipeline.worker!.untilEmpty();
    const calls = await callsOf([jobIdFor(now), jobIdFor(soon)]);
    expect(calls.map((c) => [c.mode, c.status])).toEqual([
      ['sync', 'settled'],
      ['sync', 'settled'],
    ]);
    const { rows } = await env.pool.query<{ route: { mode: string; candidates: Array<{ mode?: string }> } }>('select route from jobs where job_id = $1', [jobIdFor(now)]);
    expect(rows[0]!.route.mode).toBe('sync');
    expect(rows[0]!.route.candidates.some((c) => c.mode === 'batch')).toBe(false);
  });

  it('shows the batch candidate that won and the synchronous one that lost to it in the route', async () => {
    const { rows } = await env.pool.query<{ route: { modelId: string; mode: string; candidates: Array<{ modelId: string; mode?: string; lost?: string }> } }>('select route from jobs where job_id = $1', [jobIdFor(specs[0]!)]);
    const route = rows[0]!.route;
    const chosen = route.candidates.find((c) => c.modelId === route.modelId && c.mode === 'batch');
    expect(chosen?.lost).toBeUndefined();
    const syncTwin = route.candidates.find((c) => c.modelId === route.modelId && c.mode === undefined);
    expect(syncTwin?.lost).toMatch(new RegExp(`more than the \\$[0-9.]+ expected on ${route.modelId} \\(batch\\)`));
  });

  it('falls back to a synchronous call at once when a line expires, releasing the unbilled batch reservation', async () => {
    pipeline.sim.configure({ batches: { expiredLineRate: 1, processingMs: 100 } });
    const spec = parseJobSpec({ kind: 'summarize', tier: 'advanced', payload: { text: doc(30) }, budgets: ['team'], deadline: '24h' });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty({ batches: 'collect' });
    pipeline.sim.configure({ batches: { expiredLineRate: 0 } });
    const calls = await callsOf([jobIdFor(spec)]);
    expect(calls.map((c) => [c.mode, c.status])).toEqual([
      ['batch', 'released'],
      ['sync', 'settled'],
    ]);
    const result = (await resultsByJob(env.pool)).get(jobIdFor(spec));
    expect(result).toMatchObject({ calls: 1, costMicros: Number(calls[1]!.cost_micros) });
    for (const row of await budgetsMatchLedger(env.pool)) expect(row).toMatchObject({ spent: row.ledger, reserved: 0 });
  });

  it('fails a job whose batch line was refused as a bad request, without a synchronous retry', async () => {
    pipeline.sim.configure({ batches: { lineErrorRate: 1, lineErrorStatus: 400 } });
    const spec = parseJobSpec({ kind: 'summarize', tier: 'advanced', payload: { text: doc(31) }, budgets: ['team'], deadline: '24h' });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty({ batches: 'collect' });
    pipeline.sim.configure({ batches: { lineErrorRate: 0 } });
    const calls = await callsOf([jobIdFor(spec)]);
    expect(calls.map((c) => [c.mode, c.status])).toEqual([['batch', 'released']]);
    const { rows } = await env.pool.query<{ status: string; error: string }>('select status, error from jobs where job_id = $1', [jobIdFor(spec)]);
    expect(rows[0]).toMatchObject({ status: 'failed' });
    expect(rows[0]!.error).toMatch(/refused the batch line/);
  });

  it('lists batches with their requests, spend and saving against synchronous prices, and refuses to cancel one that ended', async () => {
    const { batches } = await listProviderBatches(env.pool, pipeline.catalog);
    const collected = batches.filter((b) => b.state === 'collected' && b.vendorStatus === 'completed' && b.failed === 0);
    expect(collected.reduce((n, b) => n + b.done, 0)).toBeGreaterThanOrEqual(8);
    for (const b of collected) {
      expect(b.reservedMicros).toBe(0);
      expect(b.spentMicros).toBeGreaterThan(0);
      // Half price: the saving is the other half, to within rounding per call.
      expect(Math.abs(b.savedMicros - b.spentMicros)).toBeLessThanOrEqual(2 * b.done + 1);
      expect(b.earliestDeadline).not.toBeNull();
    }
    await expect(requestProviderBatchCancel(env.pool, collected[0]!.id)).rejects.toThrow(/only a submitted batch can be cancelled/);
  });

  it('cancels a submitted batch at the vendor: its calls go synchronous and nothing stays reserved', async () => {
    pipeline.sim.configure({ batches: { processingMs: 600_000 } });
    const spec = parseJobSpec({ kind: 'summarize', tier: 'advanced', payload: { text: doc(40) }, budgets: ['team'], deadline: '24h' });
    await pipeline.producer.producer.enqueue([spec]);
    const id = await waitFor(async () => {
      const { rows } = await env.pool.query<{ id: string }>(`select b.id::text as id from provider_batches b join provider_batch_calls c on c.provider_batch_id = b.id where c.job_id = $1 and b.state = 'submitted'`, [jobIdFor(spec)]);
      return rows[0]?.id;
    }, { what: 'the batch submitted' });
    await requestProviderBatchCancel(env.pool, id);
    await waitFor(async () => (await resultsByJob(env.pool)).has(jobIdFor(spec)), { what: 'the job completed synchronously' });
    pipeline.sim.configure({ batches: { processingMs: 200 } });
    const calls = await callsOf([jobIdFor(spec)]);
    expect(calls.map((c) => [c.mode, c.status])).toEqual([
      ['batch', 'released'],
      ['sync', 'settled'],
    ]);
    const { rows } = await env.pool.query<{ vendor_status: string; state: string }>('select vendor_status, state from provider_batches where id = $1', [id]);
    expect(rows[0]).toEqual({ vendor_status: 'cancelled', state: 'collected' });
    // The attempt goes on across the batch wait (job data): the sync fallback is the attempt's next call.
    const { rows: seqs } = await env.pool.query<{ mode: string; attempt: number; seq: number }>('select mode, attempt, seq from ledger where job_id = $1 order by started_at', [jobIdFor(spec)]);
    expect(seqs).toEqual([
      { mode: 'batch', attempt: 0, seq: 0 },
      { mode: 'sync', attempt: 0, seq: 1 },
    ]);
  });

  it("builds a structured job's batch line with the synchronous request builder, in the model's structured-output mode", async () => {
    const spec = parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: doc(50), labels: ['logistics', 'finance', 'legal'] }, budgets: ['team'], deadline: '24h' });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty({ batches: 'collect' });
    const { rows } = await env.pool.query<{ model: string; body: { response_format?: { type: string }; messages: Array<{ role: string; content: string }> } }>(
      'select model, body from provider_batch_calls where job_id = $1',
      [jobIdFor(spec)],
    );
    expect(rows).toHaveLength(1);
    const model = pipeline.catalog.require(rows[0]!.model);
    const mode = model.structuredOutput ?? 'json_schema_strict';
    if (mode === 'none') expect(rows[0]!.body.response_format).toBeUndefined();
    else expect(rows[0]!.body.response_format?.type).toBe(mode === 'json_object' ? 'json_object' : 'json_schema');
    // In JSON mode (and without one) the schema goes into the system prompt, as for a synchronous call.
    if (mode === 'json_object' || mode === 'none') expect(rows[0]!.body.messages[0]!.content).toMatch(/JSON/);
    const { rows: results } = await env.pool.query<{ output_json: { label?: string } | null }>('select output_json from results where job_id = $1', [jobIdFor(spec)]);
    expect(['logistics', 'finance', 'legal']).toContain(results[0]?.output_json?.label);
    const calls = await callsOf([jobIdFor(spec)]);
    expect(calls.map((c) => [c.mode, c.status])).toEqual([['batch', 'settled']]);
  });
});
