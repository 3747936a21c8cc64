import { describe, expect, it } from 'vitest';
import { costMicros } from '../../src/pricing/cost-micros.js';
import { builtInModels } from '../../src/pricing/load-catalog.js';

const models = builtInModels({ localUrl: 'http://127.0.0.1:11434/v1', localModel: 'llama3.1:8b' });
const model = (id: string) => models.find((m) => m.id === id)!;
const usage = (inputTokens: number, outputTokens: number, cachedInputTokens = 0) => ({ inputTokens, cachedInputTokens, outputTokens });

describe('cost arithmetic', () => {
  it('prices tokens at the list price per million, exactly', () => {
    const mini = model('gpt-4o-mini'); // $0.15 in, $0.60 out per million
    expect(costMicros(usage(1_000_000, 0), mini)).toBe(150_000);
    expect(costMicros(usage(0, 1_000_000), mini)).toBe(600_000);
    expect(costMicros(usage(1_000, 500), mini)).toBe(150 + 300);
    expect(costMicros(usage(2_000_000, 1_000_000), model('llama-3.3-70b'))).toBe(2 * 590_000 + 790_000);
  });

  it('prices cached input tokens at the cached rate and the rest at the input rate', () => {
    // 2,000 uncached × $0.15/M + 8,000 cached × $0.075/M = 300 + 600 µ$
    expect(costMicros(usage(10_000, 0, 8_000), model('gpt-4o-mini'))).toBe(900);
    // Haiku's cache reads cost a tenth of its input price.
    expect(costMicros(usage(10_000, 0, 10_000), model('claude-haiku'))).toBe(100);
    // Groq's Llama entries have no cached rate: cached tokens cost as much as other input.
    expect(costMicros(usage(10_000, 0, 10_000), model('llama-3.1-8b'))).toBe(costMicros(usage(10_000, 0), model('llama-3.1-8b')));
  });

  it('never charges more cached tokens than input tokens', () => {
    expect(costMicros(usage(1_000, 0, 5_000), model('gpt-4o-mini'))).toBe(costMicros(usage(1_000, 0, 1_000), model('gpt-4o-mini')));
  });

  it('rounds each call up to the next micro-dollar, never down', () => {
    const mini = model('gpt-4o-mini');
    expect(costMicros(usage(1, 0), mini)).toBe(1); // 0.15 µ$
    expect(costMicros(usage(7, 0), mini)).toBe(2); // 1.05 µ$
    expect(costMicros(usage(20, 0), mini)).toBe(3); // exactly 3 µ$
    expect(costMicros(usage(0, 0), mini)).toBe(0);
  });

  it('bills the whole call at the long-context rates once the prompt passes the threshold', () => {
    const haiku = model('claude-haiku'); // ≤ 100k: $0.10 / $0.50; above: $0.50 / $2.50
    expect(costMicros(usage(100_000, 1_000), haiku)).toBe(10_000 + 500);
    expect(costMicros(usage(100_001, 1_000), haiku)).toBe(50_001 + 2_500); // 50,000.5 rounds up
  });

  it('applies the batch discount when asked', () => {
    const mini = model('gpt-4o-mini');
    expect(costMicros(usage(1_000_000, 1_000_000), mini, { batch: true })).toBe((150_000 + 600_000) / 2);
    expect(costMicros(usage(1, 0), mini, { batch: true })).toBe(1);
  });

  it('prices the self-hosted model at zero', () => {
    expect(costMicros(usage(1_000_000, 1_000_000), model('local-llama'))).toBe(0);
  });

  it('sums a million calls to exactly the closed-form total, with no floating-point drift', () => {
    const mini = model('gpt-4o-mini');
    const call = usage(1_234, 567, 345); // 499.425 µ$ → 500 µ$ per call, conservatively
    const perCall = costMicros(call, mini);
    expect(perCall).toBe(500);
    let total = 0;
    for (let i = 0; i < 1_000_000; i++) total += costMicros(call, mini);
    expect(total).toBe(1_000_000 * perCall);
    expect(Number.isSafeInteger(total)).toBe(true);

    // Calls whose cost is a whole number of micro-dollars add up to the cost of all their tokens.
    let varied = 0;
    let inputTokens = 0;
    let outputTokens = 0;
    for (let i = 1; i <= 1_000_000; i++) {
      const input = (i % 97) * 20; // multiples of 20 tokens cost whole µ$ at $0.15/M
      const output = (i % 13) * 5; // multiples of 5 tokens cost whole µ$ at $0.60/M
      varied += costMicros(usage(input, output), mini);
      inputTokens += input;
      outputTokens += output;
    }
    expect(varied).toBe(costMicros(usage(inputTokens, outputTokens), mini));
    // The same sum in floating-point dollars does drift.
    let dollars = 0;
    for (let i = 0; i < 1_000_000; i++) dollars += (1_234 * 0.15) / 1e6;
    expect(dollars).not.toBe(185.1);
  });

  it('stays exact for token counts whose products pass 2^53', () => {
    const haiku = model('claude-haiku');
    const huge = usage(Number.MAX_SAFE_INTEGER - 1, 0);
    // (2^53 - 2) × $0.50/M: computed with BigInt, rounded up.
    expect(costMicros(huge, haiku)).toBe(Number((BigInt(Number.MAX_SAFE_INTEGER - 1) * 500_000n + 999_999n) / 1_000_000n));
  });

  it('rejects negative or fractional token counts', () => {
    expect(() => costMicros(usage(-1, 0), model('gpt-4o-mini'))).toThrow(/inputTokens must be a non-negative integer/);
    expect(() => costMicros(usage(1, 0.5), model('gpt-4o-mini'))).toThrow(/outputTokens/);
  });
});
