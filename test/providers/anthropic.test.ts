import { describe, expect, it } from 'vitest';
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { ProviderOverloadedError } from '../../src/providers/errors.js';
import { countTokens } from '../../src/pricing/tokenizer.js';
import { useTestEnv } from '../support/env.js';
import { describeProviderContract } from './support/provider-contract.js';
import { rejection, useSimulator } from './support/simulator.js';

useTestEnv();

const create = (simUrl: string, settings: { apiKey?: string; estimateUsage?: import('../../src/providers/estimate-usage.js').EstimateUsage } = {}) =>
  new AnthropicProvider({ apiKey: settings.apiKey ?? 'sim', baseURL: simUrl, ...(settings.estimateUsage ? { estimateUsage: settings.estimateUsage } : {}) });

describeProviderContract({ sdk: '@anthropic-ai/sdk', providerId: 'anthropic', protocol: 'anthropic', model: 'claude-haiku-4-5', contextCounts: true, create });

describe('Anthropic specifics', () => {
  const holder = useSimulator();

  it('raises ProviderOverloadedError on a 529 overloaded_error', async () => {
    holder.sim.configure({ models: { 'claude-haiku-4-5': { errorRates: { '529': 1 } } } });
    const error = await rejection(create(holder.sim.url).chat({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hello there.' }], maxOutputTokens: 20 }));
    expect(error).toBeInstanceOf(ProviderOverloadedError);
    expect((error as ProviderOverloadedError).status).toBe(529);
    expect((error as ProviderOverloadedError).vendorCode).toBe('overloaded_error');
  });

  it("counts Claude's tokens differently from tiktoken, as the real tokenizer does", async () => {
    const answer = await create(holder.sim.url).chat({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'One short sentence here.' }], maxOutputTokens: 50, reasoning: { effort: 'low', thinking: 'disabled' } });
    expect(answer.text).toBe('One short sentence here.');
    expect(answer.usage.outputTokens).toBe(Math.round(countTokens(answer.text, 'cl100k_base') * 1.2));
    expect(answer.usage.outputTokens).not.toBe(countTokens(answer.text, 'cl100k_base'));
  });
});

describe('Anthropic refusals', () => {
  const holder = useSimulator();

  it('maps stop_reason "refusal" to the refusal finish reason, with the usage billed up to it', async () => {
    holder.sim.configure({ models: { 'claude-haiku-5-5': { refusalRate: 1 } } });
    const answer = await create(holder.sim.url).chat({
      model: 'claude-haiku-5-5',
      messages: [{ role: 'user', content: 'Explain the first step. Then the second step. Then the third step in detail.' }],
      maxOutputTokens: 4_000,
    });
    expect(answer.finishReason).toBe('refusal');
    expect(answer.text).not.toBe('');
    expect(answer.usage.inputTokens).toBeGreaterThan(0);
    // Billed up to the refusal: the text sent (and any thinking before it).
    expect(answer.usage.outputTokens - (answer.usage.reasoningTokens ?? 0)).toBe(Math.round(countTokens(answer.text, 'cl100k_base') * 1.2));
    holder.sim.configure({ models: { 'claude-haiku-5-5': { refusalRate: 0 } } });
    const normal = await create(holder.sim.url).chat({ model: 'claude-haiku-5-5', messages: [{ role: 'user', content: 'One short sentence here.' }], maxOutputTokens: 4_000 });
    expect(normal.finishReason).toBe('stop');
  });
});
