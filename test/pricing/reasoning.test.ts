import { afterEach, describe, expect, it } from 'vitest';
import { pricingThinkingAllowance } from '../../src/db/schema/pricing.js';
import { loadCalibration } from '../../src/pricing/calibration-store.js';
import { CatalogError } from '../../src/pricing/catalog-error.js';
import type { CatalogModel } from '../../src/pricing/catalog-model.js';
import type { EstimateRequest } from '../../src/pricing/count-request-tokens.js';
import { estimate } from '../../src/pricing/estimate.js';
import { applyCatalogOverride, builtInModels } from '../../src/pricing/load-catalog.js';
import { DEFAULT_THINKING_ALLOWANCE, raisedThinkingAllowance } from '../../src/pricing/reasoning.js';
import { raiseThinkingAllowance } from '../../src/pricing/record-observation.js';
import { jsonInstructionTokens } from '../../src/pricing/structured-output.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
afterEach(async () => {
  await env.db.delete(pricingThinkingAllowance);
});

const builtIns = () => builtInModels({ localUrl: 'http://127.0.0.1:11434/v1', localModel: 'llama3.1:8b' });
const withOverride = (models: Record<string, unknown>): CatalogModel[] => applyCatalogOverride(builtIns(), { models }, 'catalog.yaml');
const model = (models: readonly CatalogModel[], id: string): CatalogModel => models.find((m) => m.id === id)!;
function overrideError(models: Record<string, unknown>): string {
  try {
    withOverride(models);
  } catch (error) {
    if (error instanceof CatalogError) return error.message;
    throw error;
  }
  throw new Error('expected a CatalogError');
}

const classify: EstimateRequest = {
  kind: 'classify',
  system: 'Classify the text. Choose one label of: a, b.',
  messages: [{ role: 'user', content: 'Some text to classify.' }],
  schema: { type: 'object', properties: { label: { type: 'string', enum: ['a', 'b'] } }, required: ['label'] },
  maxOutputTokens: 64,
};
const summarize: EstimateRequest = { kind: 'summarize', messages: [{ role: 'user', content: 'A document to summarize.' }], maxWords: 150 };

describe('reasoning in the catalog', () => {
  it('sends Claude no thinking at effort low for short structured kinds, adaptive thinking at low for prose, and Gemini no thinking', () => {
    const models = builtIns();
    expect(model(models, 'claude-haiku').reasoning).toEqual({
      classify: { effort: 'low', thinking: 'disabled' },
      extract: { effort: 'low', thinking: 'disabled' },
      summarize: { effort: 'low', thinking: 'adaptive' },
      report: { effort: 'low', thinking: 'adaptive' },
    });
    expect(Object.values(model(models, 'gemini-flash').reasoning!)).toEqual([{ thinkingBudget: 0 }, { thinkingBudget: 0 }, { thinkingBudget: 0 }, { thinkingBudget: 0 }]);
    expect(model(models, 'gpt-4o-mini').reasoning).toBeUndefined();
  });

  it('overrides one field of one kind, keeping the rest', () => {
    const haiku = model(withOverride({ 'claude-haiku': { reasoning: { summarize: { effort: 'medium' } } } }), 'claude-haiku');
    expect(haiku.reasoning!.summarize).toEqual({ effort: 'medium', thinking: 'adaptive' });
    expect(haiku.reasoning!.classify).toEqual({ effort: 'low', thinking: 'disabled' });
  });

  it('rejects an unknown effort, naming the model and the field', () => {
    expect(overrideError({ 'claude-haiku': { reasoning: { classify: { effort: 'huge' } } } })).toBe(
      'catalog file catalog.yaml: model "claude-haiku": field "reasoning.classify.effort" is "huge" but must be one of low, medium, high, xhigh, max',
    );
  });

  it('rejects thinking disabled at effort xhigh, which Anthropic answers with a 400', () => {
    expect(overrideError({ 'claude-haiku': { reasoning: { report: { effort: 'xhigh', thinking: 'disabled' } } } })).toMatch(
      /model "claude-haiku": field "reasoning.report.thinking" cannot be disabled at effort xhigh/,
    );
  });

  it('rejects controls of the wrong vendor', () => {
    expect(overrideError({ 'claude-haiku': { reasoning: { classify: { thinkingBudget: 0 } } } })).toMatch(/field "reasoning.classify.thinkingBudget" applies to Google models only/);
    expect(overrideError({ 'gemini-flash': { reasoning: { classify: { effort: 'low' } } } })).toMatch(/field "reasoning.classify" takes thinkingBudget only for a Google model/);
    expect(overrideError({ 'gpt-4o-mini': { reasoning: { classify: { effort: 'low', thinking: 'disabled' } } } })).toMatch(/field "reasoning" is not supported for openai models/);
    expect(overrideError({ 'gemini-flash': { reasoning: { classify: { thinkingBudget: -2 } } } })).toMatch(/field "reasoning.classify.thinkingBudget" must be at least -1/);
  });
});

describe('the output limit under thinking', () => {
  it('sends the answer cap alone when thinking is off', () => {
    const e = estimate(classify, model(builtIns(), 'claude-haiku'));
    expect(e).toMatchObject({ maxOutputTokens: 64, answerCapTokens: 64, thinkingAllowanceTokens: 0, reasoning: { effort: 'low', thinking: 'disabled' } });
  });

  it('adds the thinking allowance of the effort under adaptive thinking, and prices it into the reservation', () => {
    const haiku = model(builtIns(), 'claude-haiku');
    const e = estimate(summarize, haiku);
    expect(e.answerCapTokens).toBe(300);
    expect(e.maxOutputTokens).toBe(300 + DEFAULT_THINKING_ALLOWANCE.low);
    expect(e.expectedOutputTokens).toBe(Math.ceil(300 * 0.6) + Math.ceil(DEFAULT_THINKING_ALLOWANCE.low * 0.25));
    const off = estimate(summarize, model(withOverride({ 'claude-haiku': { reasoning: { summarize: { thinking: 'disabled' } } } }), 'claude-haiku'));
    expect(e.maxCostMicros - off.maxCostMicros).toBe(Math.ceil((DEFAULT_THINKING_ALLOWANCE.low * haiku.outputPerMillionMicros) / 1_000_000));
  });

  it("adds Gemini's positive thinking budget exactly, and the catalog's allowance for its dynamic budget", () => {
    const capped = estimate(classify, model(withOverride({ 'gemini-flash': { reasoning: { classify: { thinkingBudget: 500 } } } }), 'gemini-flash'));
    expect(capped.maxOutputTokens).toBe(64 + 500);
    const dynamic = withOverride({ 'gemini-flash': { reasoning: { classify: { thinkingBudget: -1 } }, thinkingAllowance: { medium: 3_000 } } });
    expect(estimate(classify, model(dynamic, 'gemini-flash')).maxOutputTokens).toBe(64 + 3_000);
  });

  it('raises the allowance after a call cut at its limit, in this process at once and for a fresh reader', async () => {
    const haiku = model(builtIns(), 'claude-haiku');
    const store = await loadCalibration(env.db, { refreshMs: 0 });
    try {
      const before = estimate(summarize, haiku, store).maxOutputTokens;
      const raised = raisedThinkingAllowance(DEFAULT_THINKING_ALLOWANCE.low, 2_040);
      expect(raised).toBe(DEFAULT_THINKING_ALLOWANCE.low * 2);
      await raiseThinkingAllowance(env.db, 'claude-haiku', 'low', raised);
      expect(estimate(summarize, haiku, store).maxOutputTokens).toBe(before + DEFAULT_THINKING_ALLOWANCE.low);
      // Never lowered by a smaller raise.
      await raiseThinkingAllowance(env.db, 'claude-haiku', 'low', 100);
      const fresh = await loadCalibration(env.db, { refreshMs: 0 });
      expect(fresh.thinkingAllowance('claude-haiku', 'low')).toBe(raised);
      fresh.stop();
    } finally {
      store.stop();
    }
  });
});

describe('structured output per model', () => {
  it("records each model's mechanism: strict schemas where offered, JSON mode on Groq's Llama models, the prompt alone self-hosted", () => {
    const modes = Object.fromEntries(builtIns().map((m) => [m.id, m.structuredOutput]));
    expect(modes).toEqual({
      'llama-3.1-8b': 'json_object',
      'llama-3.3-70b': 'json_object',
      'gpt-4o-mini': 'json_schema_strict',
      'claude-haiku': 'json_schema_strict',
      'gemini-flash': 'json_schema',
      'local-llama': 'none',
    });
  });

  it('is overridable, with the same validation errors as other fields', () => {
    expect(model(withOverride({ 'local-llama': { structuredOutput: 'json_schema' } }), 'local-llama').structuredOutput).toBe('json_schema');
    expect(overrideError({ 'llama-3.1-8b': { structuredOutput: 'xml' } })).toBe(
      'catalog file catalog.yaml: model "llama-3.1-8b": field "structuredOutput" is "xml" but must be one of json_schema_strict, json_schema, json_object, none',
    );
  });

  it('counts the JSON instruction of a prompt-carried schema in the estimate', () => {
    const jsonMode = estimate(classify, model(builtIns(), 'llama-3.1-8b'));
    const schemaMode = estimate(classify, model(withOverride({ 'llama-3.1-8b': { structuredOutput: 'json_schema' } }), 'llama-3.1-8b'));
    expect(jsonMode.rawInputTokens - schemaMode.rawInputTokens).toBe(jsonInstructionTokens('cl100k_base'));
  });
});
