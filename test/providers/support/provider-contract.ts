import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../../../src/pricing/types.js';
import {
  AuthenticationError,
  ContextTooLongError,
  ProviderAbortedError,
  ProviderOverloadedError,
  ProviderServerError,
  ProviderTimeoutError,
  RateLimitedError,
} from '../../../src/providers/errors.js';
import type { EstimateUsage } from '../../../src/providers/estimate-usage.js';
import type { SimProvider } from '../../../src/providers/sim/sim-config.js';
import type { ChatRequest, Provider } from '../../../src/providers/types.js';
import { waitFor } from '../../support/env.js';
import { REPORT, TICKET, TICKET_SCHEMA, WAIT_AT_FIXED_NOW_MS, rejection, useSimulator, validates } from './simulator.js';

export interface ProviderContract {
  /** The SDK under test, for test names. */
  sdk: string;
  providerId: ProviderId;
  /** The simulator protocol the adapter speaks (for the simulator's `keys`). */
  protocol: SimProvider;
  model: string;
  /** The adapter pointed at the simulator at `simUrl`. */
  create(simUrl: string, settings: { apiKey?: string; estimateUsage?: EstimateUsage }): Provider;
  /** Whether the vendor's context-length message states the token counts. */
  contextCounts: boolean;
  /** Fields every contract request carries (a thinking model's reasoning control). */
  baseRequest?: Partial<ChatRequest>;
}

const LONG_SYSTEM = Array.from({ length: 220 }, (_, i) => `Rule ${i + 1}: answer briefly and cite the document.`).join(' ');

/** The behaviour every adapter shares, exercised through its official SDK against the simulator. */
export function describeProviderContract(spec: ProviderContract): void {
  const holder = useSimulator();
  const provider = (settings: { apiKey?: string; estimateUsage?: EstimateUsage } = {}) => spec.create(holder.sim.url, settings);
  const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
    model: spec.model,
    system: 'You summarize documents in plain words.',
    messages: [{ role: 'user', content: REPORT }],
    maxOutputTokens: 200,
    ...spec.baseRequest,
    ...extra,
  });

  describe(`${spec.sdk} against the simulator`, () => {
    it('completes a request and returns the text and exactly the usage the simulator counted', async () => {
      const response = await provider().chat(request());
      const counted = holder.sim.stats().models[spec.model];
      expect(counted?.requests).toBe(1);
      expect(response.text.startsWith('The quarterly report shows revenue grew by 12 percent.')).toBe(true);
      expect(response.text.endsWith('.')).toBe(true);
      expect(response.usage).toEqual(counted?.lastUsage);
      expect(response.usage.inputTokens).toBeGreaterThan(0);
      expect(response.usageEstimated).toBe(false);
      expect(response.finishReason).toBe('stop');
      expect(response.modelId).toBe(spec.model);
      expect(response.latencyMs).toBeGreaterThanOrEqual(0);
      expect(response.object).toBeUndefined();
    });

    it('returns a structured answer as an object that validates against the schema, with the enum respected', async () => {
      const response = await provider().chat(request({ messages: [{ role: 'user', content: TICKET }], output: { name: 'ticket', schema: TICKET_SCHEMA } }));
      expect(validates(TICKET_SCHEMA, response.object)).toBe(true);
      expect((response.object as { label: string }).label).toBe('billing');
      expect(JSON.parse(response.text)).toEqual(response.object);
      expect(response.finishReason).toBe('stop');
      expect(response.usage).toEqual(holder.sim.stats().models[spec.model]?.lastUsage);
    });

    it('reports an answer cut at max output tokens with finish reason "length"', async () => {
      const response = await provider().chat(request({ maxOutputTokens: 4 }));
      expect(response.finishReason).toBe('length');
      expect(response.usage.outputTokens).toBeLessThanOrEqual(4);
      expect(response.text.length).toBeGreaterThan(0);
    });

    it('surfaces a malformed structured answer as its text with no object', async () => {
      holder.sim.configure({ models: { [spec.model]: { malformedJsonRate: 1 } } });
      const response = await provider().chat(request({ messages: [{ role: 'user', content: TICKET }], output: { name: 'ticket', schema: TICKET_SCHEMA } }));
      expect(response.object).toBeUndefined();
      expect(response.text.length).toBeGreaterThan(0);
      expect(() => JSON.parse(response.text)).toThrow();
      expect(response.usageEstimated).toBe(false);
    });

    it('flags a missing usage block and estimates it with the injected estimator, never zero', async () => {
      holder.sim.configure({ models: { [spec.model]: { missingUsageRate: 1 } } });
      const estimateUsage: EstimateUsage = (sent, text) => ({ inputTokens: sent.messages[0]!.content.length, cachedInputTokens: 0, outputTokens: text.length });
      const response = await provider({ estimateUsage }).chat(request());
      expect(response.usageEstimated).toBe(true);
      expect(response.usage).toEqual({ inputTokens: REPORT.length, cachedInputTokens: 0, outputTokens: response.text.length });

      const byDefault = await provider().chat(request());
      expect(byDefault.usageEstimated).toBe(true);
      expect(byDefault.usage.inputTokens).toBeGreaterThan(0);
      expect(byDefault.usage.outputTokens).toBeGreaterThan(0);
    });

    it('reports the cached part of a repeated long system prompt as cached input', async () => {
      holder.sim.configure({ models: { [spec.model]: { promptCache: true } } });
      const first = await provider().chat(request({ system: LONG_SYSTEM }));
      const second = await provider().chat(request({ system: LONG_SYSTEM }));
      expect(first.usage.cachedInputTokens).toBe(0);
      expect(second.usage.cachedInputTokens).toBeGreaterThanOrEqual(1024);
      expect(second.usage.inputTokens).toBe(first.usage.inputTokens);
      expect(second.usage).toEqual(holder.sim.stats().models[spec.model]?.lastUsage);
    });

    it('raises RateLimitedError carrying the retry-after the simulator sent with its 429', async () => {
      holder.sim.configure({ models: { [spec.model]: { requestsPerWindow: 1 } } });
      await provider().chat(request());
      const error = await rejection(provider().chat(request()));
      expect(error).toBeInstanceOf(RateLimitedError);
      const limited = error as RateLimitedError;
      expect(limited.code).toBe('PROVIDER_RATE_LIMITED');
      expect(limited.retryAfterMs).toBe(WAIT_AT_FIXED_NOW_MS);
      expect(limited.status).toBe(429);
      expect(limited.retryable).toBe(true);
      expect(limited.certainlyNotBilled).toBe(true);
      expect(limited.provider).toBe(spec.providerId);
    });

    it('raises ProviderServerError (retryable, not billed) on a 500', async () => {
      holder.sim.configure({ models: { [spec.model]: { errorRates: { '500': 1 } } } });
      const error = await rejection(provider().chat(request()));
      expect(error).toBeInstanceOf(ProviderServerError);
      expect((error as ProviderServerError).status).toBe(500);
      expect((error as ProviderServerError).retryable).toBe(true);
      expect((error as ProviderServerError).certainlyNotBilled).toBe(true);
    });

    it('raises ProviderOverloadedError (retryable) on a 503', async () => {
      holder.sim.configure({ models: { [spec.model]: { errorRates: { '503': 1 } } } });
      const error = await rejection(provider().chat(request()));
      expect(error).toBeInstanceOf(ProviderOverloadedError);
      expect((error as ProviderOverloadedError).status).toBe(503);
      expect((error as ProviderOverloadedError).retryable).toBe(true);
    });

    it('raises ProviderTimeoutError, possibly billed, when the simulator never answers', async () => {
      holder.sim.configure({ models: { [spec.model]: { timeoutRate: 1 } } });
      const error = await rejection(provider().chat(request({ timeoutMs: 250 })));
      expect(error).toBeInstanceOf(ProviderTimeoutError);
      expect((error as ProviderTimeoutError).retryable).toBe(true);
      expect((error as ProviderTimeoutError).certainlyNotBilled).toBe(false);
      expect((error as ProviderTimeoutError).timeoutMs).toBe(250);
      expect(holder.sim.stats().timeouts).toBe(1);
    });

    it('raises ProviderAbortedError, possibly billed, when the caller aborts a call in flight', async () => {
      holder.sim.configure({ models: { [spec.model]: { timeoutRate: 1 } } });
      const controller = new AbortController();
      const call = rejection(provider().chat(request({ signal: controller.signal })));
      await waitFor(() => holder.sim.stats().timeouts === 1, { what: 'the simulator to receive the request' });
      controller.abort();
      const error = await call;
      expect(error).toBeInstanceOf(ProviderAbortedError);
      expect((error as ProviderAbortedError).certainlyNotBilled).toBe(false);
    });

    it("raises ContextTooLongError on the vendor's context-length answer", async () => {
      holder.sim.configure({ models: { [spec.model]: { contextWindow: 40 } } });
      const error = await rejection(provider().chat(request()));
      expect(error).toBeInstanceOf(ContextTooLongError);
      const tooLong = error as ContextTooLongError;
      expect(tooLong.retryable).toBe(false);
      expect(tooLong.certainlyNotBilled).toBe(true);
      if (spec.contextCounts) {
        expect(tooLong.maxInputTokens).toBe(40);
        expect(tooLong.inputTokens).toBeGreaterThan(40);
      }
    });

    it('raises AuthenticationError (not retryable) on a rejected key, without the key in its message', async () => {
      holder.sim.configure({ keys: { [spec.protocol]: 'the-right-key' } });
      const apiKey = 'sk-wrong-secret-0123456789';
      const error = await rejection(provider({ apiKey }).chat(request()));
      expect(error).toBeInstanceOf(AuthenticationError);
      const rejected = error as AuthenticationError;
      expect(rejected.retryable).toBe(false);
      expect(rejected.message).toContain(spec.providerId);
      expect(rejected.message).not.toContain('wrong-secret');
      expect(rejected.message).not.toContain('0123');
      expect(rejected.cause).toBeUndefined();

      const accepted = await provider({ apiKey: 'the-right-key' }).chat(request());
      expect(accepted.text.length).toBeGreaterThan(0);
    });
  });
}
