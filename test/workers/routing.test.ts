import { beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { deleteKeys, useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { budgetsMatchLedger, ledgerOf, resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// Haiku at its old $1/$5 list price, so each tier has a different cheapest model.
const pipeline = usePipeline(env, { catalog: { models: { 'claude-haiku': { inputPerMillion: 1, outputPerMillion: 5 } } } });

const text = 'The warehouse shipped 1,200 orders in March. Returns fell by ten percent. Staff asked for new scanners before the peak season.';
const schema = { type: 'object', properties: { orders: { type: 'integer' }, topic: { type: 'string' } }, required: ['orders', 'topic'] };

beforeAll(async () => {
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 5_000_000, period: 'day' });
});

describe('routing a mixed batch', () => {
  const batch = [
    { spec: { kind: 'summarize', tier: 'basic', payload: { text } }, expected: 'llama-3.1-8b' },
    { spec: { kind: 'summarize', tier: 'standard', payload: { text } }, expected: 'gpt-4o-mini' },
    { spec: { kind: 'classify', tier: 'basic', payload: { text, labels: ['ops', 'sales'] } }, expected: 'llama-3.1-8b' },
    { spec: { kind: 'classify', tier: 'advanced', payload: { text, labels: ['ops', 'sales'] } }, expected: 'gpt-4o-mini' },
    { spec: { kind: 'extract', tier: 'standard', payload: { text, schema } }, expected: 'gpt-4o-mini' },
    { spec: { kind: 'extract', tier: 'premium', payload: { text, schema } }, expected: 'claude-haiku' },
  ];

  it('lands each job on the model the catalog says is cheapest for its tier, with one settled ledger row per call', async () => {
    const specs = batch.map((b) => parseJobSpec({ ...b.spec, budgets: ['team'] }));
    await pipeline.producer.producer.enqueue(specs);
    await pipeline.worker!.untilEmpty();
    const results = await resultsByJob(env.pool);
    for (const [i, spec] of specs.entries()) {
      const result = results.get(jobIdFor(spec));
      expect(result?.model, `${spec.kind}/${spec.tier}`).toBe(batch[i]!.expected);
      const calls = await ledgerOf(env.pool, jobIdFor(spec));
      expect(calls).toEqual([{ model: batch[i]!.expected, status: 'settled', costMicros: result!.costMicros }]);
    }
    for (const row of await budgetsMatchLedger(env.pool)) expect(row).toMatchObject({ spent: row.ledger, reserved: 0 });
  });

  it('records the route and the reason each candidate lost with the job', async () => {
    const spec = parseJobSpec({ ...batch[3]!.spec, budgets: ['team'] });
    const { rows } = await env.pool.query<{ route: { modelId: string; candidates: Array<{ modelId: string; lost?: string }> } }>('select route from jobs where job_id = $1', [jobIdFor(spec)]);
    const route = rows[0]!.route;
    expect(route.modelId).toBe('gpt-4o-mini');
    expect(route.candidates.find((c) => c.modelId === 'llama-3.1-8b')?.lost).toMatch(/rated basic for classify, below the advanced tier/);
    expect(route.candidates.find((c) => c.modelId === 'claude-haiku')?.lost).toMatch(/expected (cost|to cost) .*\$[\d.]+.* more than the \$[\d.]+ expected on /);
  });

  it('does the same work once when it is enqueued again, even after Redis forgot the job', async () => {
    const spec = parseJobSpec({ ...batch[0]!.spec, budgets: ['team'] });
    const calls = (await env.pool.query('select count(*)::int as n from ledger')).rows[0].n as number;
    const queue = pipeline.producer.producer;
    await deleteKeys(env.redis, `${env.prefix}:intake:${jobIdFor(spec)}*`);
    expect(await queue.enqueue([spec])).toEqual([{ jobId: jobIdFor(spec), status: 'done' }]);
    const forced = await queue.enqueue([spec], { force: true });
    expect(forced[0]!.status).toBe('queued');
    await pipeline.worker!.untilEmpty();
    expect((await env.pool.query('select count(*)::int as n from ledger')).rows[0].n).toBe(calls + 1);
  });
});
