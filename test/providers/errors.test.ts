import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseContextCounts } from '../../src/providers/create-provider-error.js';
import { ProviderUnreachableError } from '../../src/providers/errors.js';
import { parseDurationMs, parseGoogleRetryDelayMs, parseRetryAfterMs } from '../../src/providers/parse-retry-after.js';
import { redactSecrets } from '../../src/providers/redact-secrets.js';
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { GoogleProvider } from '../../src/providers/google/google-provider.js';
import { GroqProvider } from '../../src/providers/groq/groq-provider.js';
import { OpenAIProvider } from '../../src/providers/openai/openai-provider.js';
import type { Provider } from '../../src/providers/types.js';
import { useTestEnv } from '../support/env.js';
import { rejection } from './support/simulator.js';

useTestEnv();

const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('retry-after parsing', () => {
  it('reads retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '1500.2', 'retry-after': '9' }), NOW)).toBe(1501);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '7' }), NOW)).toBe(7000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '0.5' }), NOW)).toBe(500);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Mon, 23 Nov 2026 12:00:30 GMT' }), NOW)).toBe(30_000);
    expect(parseRetryAfterMs({ 'Retry-After': '3' }, NOW)).toBe(3000);
  });

  it("falls back to OpenAI's and Groq's reset headers, preferring the spent limit", () => {
    const headers = new Headers({
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '2m59.56s',
      'x-ratelimit-remaining-tokens': '5000',
      'x-ratelimit-reset-tokens': '7.66s',
    });
    expect(parseRetryAfterMs(headers, NOW)).toBe(179_560);
    expect(parseRetryAfterMs(new Headers({ 'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-reset-tokens': '6m0s' }), NOW)).toBe(360_000);
  });

  it("falls back to Anthropic's RFC 3339 reset headers", () => {
    const headers = new Headers({
      'anthropic-ratelimit-tokens-remaining': '0',
      'anthropic-ratelimit-tokens-reset': '2026-11-23T12:00:12Z',
      'anthropic-ratelimit-requests-remaining': '40',
      'anthropic-ratelimit-requests-reset': '2026-11-23T12:00:50Z',
    });
    expect(parseRetryAfterMs(headers, NOW)).toBe(12_000);
  });

  it('says nothing when the headers say nothing usable', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
    expect(parseDurationMs('later')).toBeUndefined();
  });

  it("reads Gemini's RetryInfo.retryDelay from the error body", () => {
    const body = { error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37.5s' }] } };
    expect(parseGoogleRetryDelayMs(body)).toBe(37_500);
    expect(parseGoogleRetryDelayMs({ error: { details: [] } })).toBeUndefined();
  });
});

describe('provider error messages', () => {
  it('never carry an API key, whole or in the masked form vendors echo', () => {
    const key = 'my-own-secret-key-123';
    expect(redactSecrets(`bad key ${key} sent`, [key])).toBe('bad key [redacted] sent');
    expect(redactSecrets('Incorrect API key provided: sk-ab****wxyz.')).toBe('Incorrect API key provided: [redacted]');
    expect(redactSecrets('key gsk_abcdef123456 and AIzaSyABCDEF123 and sk-ant-api03-xyz')).not.toMatch(/gsk_abc|AIzaSy|sk-ant/);
  });

  it('read the token counts out of each vendor context-length message', () => {
    expect(parseContextCounts("This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.")).toEqual({ inputTokens: 130_512, maxInputTokens: 128_000 });
    expect(parseContextCounts('prompt is too long: 208310 tokens > 200000 maximum')).toEqual({ inputTokens: 208_310, maxInputTokens: 200_000 });
    expect(parseContextCounts('The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).')).toEqual({ inputTokens: 1_200_293, maxInputTokens: 1_048_576 });
    expect(parseContextCounts('Please reduce the length of the messages or completion.')).toEqual({});
  });
});

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('an unreachable provider', () => {
  it('raises ProviderUnreachableError marked as certainly not billed when the connection is refused', async () => {
    const url = await closedPortUrl();
    const providers: [Provider, string][] = [
      [new OpenAIProvider({ apiKey: 'k', baseURL: `${url}/v1` }), 'gpt-4o-mini'],
      [new GroqProvider({ apiKey: 'k', baseURL: url }), 'llama-3.1-8b-instant'],
      [new AnthropicProvider({ apiKey: 'k', baseURL: url }), 'claude-haiku-4-5'],
      [new GoogleProvider({ apiKey: 'k', baseURL: url }), 'gemini-2.5-flash'],
    ];
    for (const [provider, model] of providers) {
      const error = await rejection(provider.chat({ model, messages: [{ role: 'user', content: 'Hi.' }], maxOutputTokens: 5 }));
      expect(error, provider.id).toBeInstanceOf(ProviderUnreachableError);
      expect((error as ProviderUnreachableError).certainlyNotBilled, provider.id).toBe(true);
      expect((error as ProviderUnreachableError).retryable).toBe(true);
      expect((error as ProviderUnreachableError).message).toContain('ECONNREFUSED');
    }
  });
});
