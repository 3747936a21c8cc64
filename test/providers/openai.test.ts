import { describe, expect, it } from 'vitest';
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import { isStrictCompatibleSchema } from '../../src/providers/openai/is-strict-compatible-schema.js';
import { useTestEnv } from '../support/env.js';
import { describeProviderContract } from './support/provider-contract.js';
import { TICKET_SCHEMA } from './support/simulator.js';

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
