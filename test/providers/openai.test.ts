import { describe, expect, it } from 'vitest';
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import { isStrictCompatibleSchema } from '../../src/providers/openai/is-strict-compatible-schema.js';
import { useTestEnv } from '../support/env.js';
import { describeProviderContract } from './support/provider-contract.js';
import { TICKET_SCHEMA, useSimulator } from './support/simulator.js';

useTestEnv();

describeProviderContract({
  sdk: 'the openai SDK',
  providerId: 'openai',
  protocol: 'openai',
  model: 'gpt-4o-mini',
  contextCounts: true,
  create: (simUrl, settings) => new OpenAIProvider({ apiKey: settings.apiKey ?? 'sim', baseURL: `${simUrl}/v1`, ...(settings.estimateUsage ? { estimateUsage: settings.estimateUsage } : {}) }),
});

describe('OpenAI structured output', () => {
  it('asks for strict mode only for schemas strict mode accepts', () => {
    expect(isStrictCompatibleSchema(TICKET_SCHEMA)).toBe(true);
    expect(isStrictCompatibleSchema({ type: 'object', properties: { a: { type: 'string' } }, required: [] , additionalProperties: false })).toBe(false);
    expect(isStrictCompatibleSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).toBe(false);
  });
});

describe('OpenAI refusals', () => {
  const holder = useSimulator();

  it('maps a message with `refusal` set (content null) to the refusal finish reason', async () => {
    holder.sim.configure({ models: { 'gpt-4o-mini': { refusalRate: 1 } } });
    const provider = new OpenAIProvider({ apiKey: 'sim', baseURL: `${holder.sim.url}/v1` });
    const answer = await provider.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Classify this ticket.' }], maxOutputTokens: 50, output: { name: 'ticket', schema: TICKET_SCHEMA } });
    expect(answer.finishReason).toBe('refusal');
    expect(answer.text).toBe('');
    expect(answer.object).toBeUndefined();
  });
});
