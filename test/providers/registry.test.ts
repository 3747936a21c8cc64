import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createProviders } from '../../src/providers/create-providers.js';
import { AuthenticationError } from '../../src/providers/errors.js';
import { useTestEnv } from '../support/env.js';
import { rejection, useSimulator } from './support/simulator.js';

useTestEnv();

function recorder() {
  const lines: { provider: string; message: string }[] = [];
  return { lines, logger: { info: (object: object, message: string) => lines.push({ provider: (object as { provider: string }).provider, message }) } };
}

describe('provider registry', () => {
  // First in the file: notices are logged once per process.
  it('leaves a hosted provider without a key unavailable, names the variable, and says so once in the log', () => {
    const { lines, logger } = recorder();
    const registry = createProviders(loadConfig({ GROQ_API_KEY: 'gsk_test' }), { logger });
    createProviders(loadConfig({ GROQ_API_KEY: 'gsk_test' }), { logger });
    expect(registry.available()).toEqual(['groq']);
    expect(registry.get('openai')).toBeUndefined();
    expect(registry.unavailableReason('openai')).toMatch(/OPENAI_API_KEY is not set/);
    expect(registry.unavailableReason('google')).toMatch(/GEMINI_API_KEY/);
    expect(registry.unavailableReason('groq')).toBeUndefined();
    expect(lines.map((line) => line.provider).sort()).toEqual(['anthropic', 'google', 'openai']);
    expect(lines.every((line) => !line.message.includes('gsk_test'))).toBe(true);
  });

  it('has no self-hosted provider unless FRUGAL_LOCAL_URL is set', () => {
    const without = createProviders(loadConfig({}), { logger: recorder().logger });
    expect(without.available()).toEqual([]);
    expect(without.unavailableReason('local')).toMatch(/FRUGAL_LOCAL_URL/);
    const withLocal = createProviders(loadConfig({ FRUGAL_LOCAL_URL: 'http://127.0.0.1:11434/v1' }), { logger: recorder().logger });
    expect(withLocal.available()).toEqual(['local']);
    expect(withLocal.get('local')?.id).toBe('local');
  });

  describe('with FRUGAL_SIM_URL', () => {
    const holder = useSimulator();

    it('makes every hosted provider available and talks to the simulator, keys or not', async () => {
      const registry = createProviders(loadConfig({ FRUGAL_SIM_URL: holder.sim.url }), { logger: recorder().logger });
      expect(registry.available()).toEqual(['groq', 'openai', 'anthropic', 'google']);
      const models = { groq: 'llama-3.1-8b-instant', openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', google: 'gemini-2.5-flash' } as const;
      for (const id of ['groq', 'openai', 'anthropic', 'google'] as const) {
        const answer = await registry.get(id)!.chat({
          model: models[id],
          messages: [{ role: 'user', content: 'Sentence one. Sentence two.' }],
          maxOutputTokens: 20,
          ...(id === 'google' ? { reasoning: { thinkingBudget: 0 } } : {}),
        });
        expect(answer.text, id).toBe('Sentence one.');
      }
      expect(Object.keys(holder.sim.stats().models).sort()).toEqual(['claude-haiku-4-5', 'gemini-2.5-flash', 'gpt-4o-mini', 'llama-3.1-8b-instant']);
    });

    it('sends the configured key to the simulator, so its key check applies', async () => {
      holder.sim.configure({ keys: { openai: 'sk-right' } });
      const right = createProviders(loadConfig({ FRUGAL_SIM_URL: holder.sim.url, OPENAI_API_KEY: 'sk-right' }), { logger: recorder().logger });
      const wrong = createProviders(loadConfig({ FRUGAL_SIM_URL: holder.sim.url, OPENAI_API_KEY: 'sk-wrong-0000' }), { logger: recorder().logger });
      const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hello.' }], maxOutputTokens: 5 };
      expect((await right.get('openai')!.chat(request)).text).toBe('Hello.');
      expect(await rejection(wrong.get('openai')!.chat(request))).toBeInstanceOf(AuthenticationError);
    });

    it('reaches the self-hosted model through FRUGAL_LOCAL_URL with the model id it serves', async () => {
      const registry = createProviders(loadConfig({ FRUGAL_LOCAL_URL: `${holder.sim.url}/v1`, FRUGAL_LOCAL_MODEL: 'qwen2.5:7b' }), { logger: recorder().logger });
      const config = loadConfig({ FRUGAL_LOCAL_MODEL: 'qwen2.5:7b' });
      const answer = await registry.get('local')!.chat({ model: config.localModel, messages: [{ role: 'user', content: 'Local only.' }], maxOutputTokens: 10 });
      expect(answer.modelId).toBe('qwen2.5:7b');
      expect(holder.sim.stats().models['qwen2.5:7b']?.requests).toBe(1);
    });
  });
});
