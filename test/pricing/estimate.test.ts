import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { CalibrationSnapshot } from '../../src/pricing/calibration.js';
import { costMicros } from '../../src/pricing/cost-micros.js';
import { countRequestTokens, type EstimateRequest } from '../../src/pricing/count-request-tokens.js';
import { DEFAULT_OUTPUT_PERCENT, TOKENS_PER_WORD, estimate } from '../../src/pricing/estimate.js';
import { applyCatalogOverride, builtInModels } from '../../src/pricing/load-catalog.js';

const models = builtInModels({ localUrl: undefined, localModel: 'llama3.1:8b' });
const model = (id: string) => models.find((m) => m.id === id)!;

const document = 'The supplier shall deliver the goods within thirty days of the order. '.repeat(40);
const request = (overrides: Partial<EstimateRequest> = {}): EstimateRequest => ({
  kind: 'summarize',
  system: 'Summarize the contract for a busy manager.',
  messages: [{ role: 'user', content: document }],
  maxOutputTokens: 300,
  ...overrides,
});

describe('estimate', () => {
  it('bounds input by the safe ratio and expects it at the expected ratio', () => {
    const job = request();
    const raw = countRequestTokens(job, 'cl100k_base');
    const haiku = estimate(job, model('claude-haiku'));
    expect(haiku.rawInputTokens).toBe(raw);
    expect(haiku.inputTokens).toBe(Math.ceil(raw * 1.5));
    expect(haiku.maxInputTokens).toBe(raw * 2);
    const mini = estimate(job, model('gpt-4o-mini'));
    expect(mini.rawInputTokens).toBe(countRequestTokens(job, 'o200k_base'));
    expect(mini.inputTokens).toBe(mini.rawInputTokens);
  });

  it('caps output at the smaller of the job cap and the model maximum', () => {
    expect(estimate(request({ maxOutputTokens: 300 }), model('gpt-4o-mini')).maxOutputTokens).toBe(300);
    expect(estimate(request({ maxOutputTokens: 50_000 }), model('gpt-4o-mini')).maxOutputTokens).toBe(16_384);
    expect(estimate(request({ maxOutputTokens: undefined }), model('llama-3.3-70b')).maxOutputTokens).toBe(32_768);
  });

  it('converts a cap in words at a conservative tokens-per-word ratio', () => {
    expect(estimate(request({ maxOutputTokens: undefined, maxWords: 150 }), model('gpt-4o-mini')).maxOutputTokens).toBe(150 * TOKENS_PER_WORD);
    expect(estimate(request({ maxOutputTokens: 100, maxWords: 150 }), model('gpt-4o-mini')).maxOutputTokens).toBe(100);
  });

  it('expects a documented share of the cap until the ledger has taught better', () => {
    const job = request({ kind: 'classify', maxOutputTokens: 40 });
    expect(estimate(job, model('gpt-4o-mini')).expectedOutputTokens).toBe((40 * DEFAULT_OUTPUT_PERCENT.classify) / 100);
    const learned = new CalibrationSnapshot(new Map(), [{ kind: 'classify', model: 'gpt-4o-mini', calls: 12, meanOutputTokens: 6.2 }]);
    expect(estimate(job, model('gpt-4o-mini'), learned).expectedOutputTokens).toBe(7);
    // Learned figures of other kinds or models do not leak, and never exceed the cap.
    expect(estimate(job, model('llama-3.1-8b'), learned).expectedOutputTokens).toBe(10);
    const verbose = new CalibrationSnapshot(new Map(), [{ kind: 'classify', model: 'gpt-4o-mini', calls: 12, meanOutputTokens: 900 }]);
    expect(estimate(job, model('gpt-4o-mini'), verbose).expectedOutputTokens).toBe(40);
  });

  it('prices the maximum and the expected call with the cost function used at settlement', () => {
    for (const m of models) {
      const e = estimate(request(), m);
      expect(e.maxCostMicros).toBe(costMicros({ inputTokens: e.maxInputTokens, cachedInputTokens: 0, outputTokens: e.maxOutputTokens }, m));
      expect(e.expectedCostMicros).toBe(costMicros({ inputTokens: e.inputTokens, cachedInputTokens: 0, outputTokens: e.expectedOutputTokens }, m));
      expect(e.expectedCostMicros).toBeLessThanOrEqual(e.maxCostMicros);
    }
  });

  it('reserves at the long-context price when the safe input bound crosses the threshold', () => {
    const haiku = model('claude-haiku');
    const long = request({ messages: [{ role: 'user', content: 'word '.repeat(60_000) }] });
    const e = estimate(long, haiku);
    expect(e.inputTokens).toBeLessThanOrEqual(100_000);
    expect(e.maxInputTokens).toBeGreaterThan(100_000);
    expect(e.maxCostMicros).toBe(Math.ceil((e.maxInputTokens * 500_000 + e.maxOutputTokens * 2_500_000) / 1e6));
  });

  it('says whether the call fits the window, as shrunk by a catalog override', () => {
    const [tiny] = applyCatalogOverride(models, { models: { 'gpt-4o-mini': { contextWindow: 500, maxOutputTokens: 100 } } }, 'test').filter((m) => m.id === 'gpt-4o-mini');
    expect(estimate(request(), model('gpt-4o-mini')).fitsWindow).toBe(true);
    expect(estimate(request(), tiny!).fitsWindow).toBe(false);
    expect(estimate(request({ messages: [{ role: 'user', content: 'Hi' }], maxOutputTokens: 50 }), tiny!).fitsWindow).toBe(true);
  });

  it('rejects a cap that is not a positive whole number', () => {
    expect(() => estimate(request({ maxOutputTokens: 0 }), model('gpt-4o-mini'))).toThrow(InputError);
    expect(() => estimate(request({ maxWords: 2.5 }), model('gpt-4o-mini'))).toThrow(/maxWords must be a positive whole number/);
  });
});
