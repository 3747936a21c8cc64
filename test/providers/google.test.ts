import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/providers/errors.js';
import type { EstimateUsage } from '../../src/providers/estimate-usage.js';
import { GoogleProvider } from '../../src/providers/google/google-provider.js';
import { useTestEnv } from '../support/env.js';
import { describeProviderContract } from './support/provider-contract.js';
import { rejection, useSimulator } from './support/simulator.js';

useTestEnv();

const create = (simUrl: string, settings: { apiKey?: string; estimateUsage?: EstimateUsage } = {}) =>
  new GoogleProvider({ apiKey: settings.apiKey ?? 'sim', baseURL: simUrl, ...(settings.estimateUsage ? { estimateUsage: settings.estimateUsage } : {}) });

describeProviderContract({ sdk: '@google/genai', providerId: 'google', protocol: 'google', model: 'gemini-2.5-flash', contextCounts: true, create, baseRequest: { reasoning: { thinkingBudget: 0 } } });

describe('Gemini specifics', () => {
  const holder = useSimulator();

  it('treats a 400 API_KEY_INVALID answer as an authentication error', async () => {
    holder.sim.configure({ keys: { google: 'right' } });
    const error = await rejection(create(holder.sim.url, { apiKey: 'AIzaWrongKey0000000' }).chat({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi.' }], maxOutputTokens: 20 }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(400);
    expect((error as AuthenticationError).message).not.toContain('AIzaWrong');
  });

  it('sends the assistant turns of a conversation as "model" turns', async () => {
    const answer = await create(holder.sim.url).chat({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'user', content: 'First question. It has two sentences.' },
        { role: 'assistant', content: 'An earlier answer.' },
        { role: 'user', content: 'Second question here.' },
      ],
      maxOutputTokens: 50,
      reasoning: { thinkingBudget: 0 },
    });
    expect(answer.text).toBe('Second question here.');
  });
});
