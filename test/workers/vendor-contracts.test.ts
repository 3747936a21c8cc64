import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { DEFAULT_MODELS, LOCAL_MODEL_ID } from '../../src/pricing/default-catalog.js';
import { KINDS } from '../../src/pricing/types.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);

// Long enough that each call costs hundreds of micro-dollars, so 10 % is not lost to rounding.
const TICKET = Array.from(
  { length: 100 },
  (_, i) => `Line ${i + 1}: the customer was charged twice on the billing statement and asks for a refund of the duplicate invoice.`,
).join(' ');
const LABELS = ['billing', 'technical', 'sales'];
const SCHEMA = { type: 'object', properties: { invoice: { type: 'string' }, amount: { type: 'number' } }, required: ['invoice', 'amount'] };

const MODEL_IDS = [...DEFAULT_MODELS.map((m) => m.id), LOCAL_MODEL_ID];

/**
 * The simulator's hidden tokenizer ratios (Claude × 1.2, Gemini × 1), given to the catalog as the
 * expected ratios calibration would learn: this test is about output and thinking, not tokenizers.
 */
const LEARNED_RATIOS: Record<string, number> = { 'claude-haiku': 1.2, 'gemini-flash': 1 };

/** A catalog in which only `modelId` may take classify and extract jobs, so every such job lands on it. */
function pinnedCatalog(modelId: string): unknown {
  const ratings = (rating: 'basic' | 'none') => ({ classify: rating, extract: rating });
  return {
    models: Object.fromEntries(
      MODEL_IDS.map((id) => [
        id,
        { ratings: ratings(id === modelId ? 'basic' : 'none'), ...(LEARNED_RATIOS[id] ? { tokenizer: { expectedRatio: LEARNED_RATIOS[id] } } : {}) },
      ]),
    ),
  };
}

interface CallRow {
  model: string;
  est_cost_micros: string;
  cost_micros: string;
  act_output_tokens: number;
}

for (const modelId of MODEL_IDS) {
  describe(`structured jobs on ${modelId} against the strict simulator`, () => {
    const pipeline = usePipeline(env, { catalog: pinnedCatalog(modelId), local: modelId === LOCAL_MODEL_ID });

    it('classifies within 10 % of the estimated cost, in one call, with no answer cut short', async () => {
      const spec = parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `${modelId}: ${TICKET}`, labels: LABELS } });
      await pipeline.producer.producer.enqueue([spec]);
      await pipeline.worker!.untilEmpty();
      const result = (await resultsByJob(env.pool)).get(jobIdFor(spec));
      expect(result).toMatchObject({ model: modelId, calls: 1 });
      const { rows } = await env.pool.query<CallRow>('select model, est_cost_micros, cost_micros, act_output_tokens from ledger where job_id = $1', [jobIdFor(spec)]);
      expect(rows).toHaveLength(1);
      const [call] = rows;
      const estimated = Number(call!.est_cost_micros);
      const actual = Number(call!.cost_micros);
      if (modelId === LOCAL_MODEL_ID) {
        // Self-hosted: no per-token price, so nothing to be off by.
        expect([estimated, actual]).toEqual([0, 0]);
      } else {
        expect(estimated).toBeGreaterThan(100);
        expect(Math.abs(actual - estimated) / estimated, `${modelId}: estimated ${estimated} µ$, charged ${actual} µ$`).toBeLessThanOrEqual(0.1);
      }
      // The answer fit its 64-token cap: no thinking crowded it out.
      expect(call!.act_output_tokens).toBeLessThan(64);
      const { rows: stored } = await env.pool.query<{ output_json: { label: string } }>('select output_json from results where job_id = $1', [jobIdFor(spec)]);
      expect(stored[0]?.output_json).toEqual({ label: 'billing' });
      const providerModel = pipeline.catalog.require(modelId).providerModelId;
      expect(pipeline.sim.stats().models[providerModel]?.thinkingTokens).toBe(0);
    });

    it('extracts an object that follows the schema', async () => {
      const spec = parseJobSpec({ kind: 'extract', tier: 'basic', payload: { text: `${modelId}: invoice INV-7 for 12.50 dollars.`, schema: SCHEMA } });
      await pipeline.producer.producer.enqueue([spec]);
      await pipeline.worker!.untilEmpty();
      expect((await resultsByJob(env.pool)).get(jobIdFor(spec))).toMatchObject({ model: modelId, calls: 1 });
      const { rows } = await env.pool.query<{ output_json: Record<string, unknown> }>('select output_json from results where job_id = $1', [jobIdFor(spec)]);
      expect(Object.keys(rows[0]!.output_json).sort()).toEqual(['amount', 'invoice']);
    });
  });
}

it('covers every kind in the reasoning defaults of each thinking model', () => {
  for (const model of DEFAULT_MODELS.filter((m) => m.reasoning)) expect(Object.keys(model.reasoning!).sort()).toEqual([...KINDS].sort());
});

describe('a thinking allowance too small for the effort', () => {
  const pipeline = usePipeline(env, {
    catalog: {
      models: {
        ...Object.fromEntries(MODEL_IDS.map((id) => [id, { ratings: { summarize: id === 'claude-haiku' ? 'basic' : 'none' } }])),
        'claude-haiku': { ratings: { summarize: 'basic' }, reasoning: { summarize: { effort: 'medium' } }, thinkingAllowance: { medium: 16 } },
      },
    },
  });

  it('is raised after a call that stops at its limit having thought, so the next call gets room', async () => {
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: TICKET, maxWords: 20 } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();
    const { rows } = await env.pool.query<{ allowance_tokens: number }>(
      "select allowance_tokens from pricing_thinking_allowance where model = 'claude-haiku' and effort = 'medium'",
    );
    const haikuStats = pipeline.sim.stats().models['claude-haiku-5-5'];
    expect(haikuStats?.thinkingTokens).toBeGreaterThan(0);
    // The first call's limit was 40 answer + 16 thinking tokens, all spent thinking (Haiku thinks
    // at least 200 at medium): the allowance becomes twice what it thought, 112 at least.
    expect(rows[0]?.allowance_tokens).toBeGreaterThanOrEqual(112);
  });
});
