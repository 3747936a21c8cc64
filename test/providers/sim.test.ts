import { DEFAULT_BATCH_KNOBS } from '../../src/providers/sim/sim-config.js';
import { describe, expect, it } from 'vitest';
import { countTokens, decodeTokens, encodeTokens } from '../../src/pricing/tokenizer.js';
import { defaultTokenizerFor } from '../../src/providers/sim/default-tokenizer-for.js';
import { generateObject } from '../../src/providers/sim/generate-object.js';
import { startSimulator } from '../../src/providers/sim/simulator.js';
import { splitSentences } from '../../src/providers/sim/split-sentences.js';
import { summarizeText } from '../../src/providers/sim/summarize-text.js';
import type { JsonSchema } from '../../src/providers/types.js';
import { useTestEnv } from '../support/env.js';
import { FIXED_NOW, REPORT, TICKET, useSimulator, validates } from './support/simulator.js';

useTestEnv();

const count = (text: string) => countTokens(text, 'cl100k_base');
const truncate = (text: string, tokens: number) => decodeTokens(encodeTokens(text, 'cl100k_base').slice(0, tokens), 'cl100k_base');

describe('simulated free text', () => {
  it('is made of whole sentences of the input, leaving out instruction lines', () => {
    expect(splitSentences(REPORT)[0]).toBe('The quarterly report shows revenue grew by 12 percent.');
    const summary = summarizeText(REPORT, { maxTokens: 1000, count, truncate });
    const sentences = splitSentences(summary.text);
    expect(sentences.length).toBeGreaterThanOrEqual(1);
    for (const sentence of sentences) expect(splitSentences(REPORT)).toContain(sentence);
    expect(summary.truncated).toBe(false);
    expect(count(summary.text)).toBeLessThan(count(REPORT));
  });

  it('fits the output limit, and cuts the first sentence only when nothing whole fits', () => {
    for (const maxTokens of [12, 20, 30]) {
      const summary = summarizeText(REPORT, { maxTokens, count, truncate });
      expect(count(summary.text)).toBeLessThanOrEqual(maxTokens);
      expect(summary.truncated).toBe(false);
    }
    const cut = summarizeText(REPORT, { maxTokens: 3, count, truncate });
    expect(cut.truncated).toBe(true);
    expect(count(cut.text)).toBe(3);
  });
});

describe('simulated structured answers', () => {
  it('validate against a schema with $defs, unions, nested arrays, bounds and enums', () => {
    const schema: JsonSchema = {
      type: 'object',
      $defs: { person: { type: 'object', properties: { name: { type: 'string', maxLength: 12 }, email: { type: 'string', format: 'email' } }, required: ['name', 'email'], additionalProperties: false } },
      properties: {
        sentiment: { enum: ['positive', 'neutral', 'negative'] },
        score: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
        owner: { $ref: '#/$defs/person' },
        watchers: { type: 'array', items: { $ref: '#/$defs/person' }, minItems: 2, maxItems: 4 },
        note: { anyOf: [{ type: 'null' }, { type: 'string', minLength: 5 }] },
        flags: { type: ['boolean', 'null'] },
        kind: { const: 'ticket' },
      },
      required: ['sentiment', 'score', 'ratio', 'owner', 'watchers', 'note', 'flags', 'kind'],
      additionalProperties: false,
    };
    const value = generateObject(schema, TICKET);
    expect(validates(schema, value)).toBe(true);
    expect((value as { watchers: unknown[] }).watchers.length).toBeGreaterThanOrEqual(2);
  });

  it('take the enum value the input mentions most, and follow the input', () => {
    const schema: JsonSchema = { type: 'object', properties: { label: { type: 'string', enum: ['sales', 'billing', 'technical'] } }, required: ['label'] };
    expect(generateObject(schema, TICKET)).toEqual({ label: 'billing' });
    expect(generateObject(schema, 'The server crashed: a technical fault, technical team paged.')).toEqual({ label: 'technical' });
  });

  it("understand Gemini's OpenAPI-style schemas", () => {
    const value = generateObject({ type: 'OBJECT', properties: { label: { type: 'STRING', enum: ['a', 'b'] }, n: { type: 'INTEGER', minimum: 3 }, list: { type: 'ARRAY', items: { type: 'STRING' } } } }, 'Pick b.');
    expect(value).toEqual({ label: 'b', n: 4, list: ['Pick b.'] });
  });
});

describe('simulated usage', () => {
  it('counts with the tokenizer assigned to the model family', () => {
    expect(defaultTokenizerFor('gpt-4o-mini')).toEqual({ encoding: 'o200k_base', ratio: 1 });
    expect(defaultTokenizerFor('o4-mini').encoding).toBe('o200k_base');
    expect(defaultTokenizerFor('gemini-2.5-flash').encoding).toBe('o200k_base');
    expect(defaultTokenizerFor('claude-haiku-4-5')).toEqual({ encoding: 'cl100k_base', ratio: 1.2 });
    expect(defaultTokenizerFor('llama-3.3-70b-versatile')).toEqual({ encoding: 'cl100k_base', ratio: 1 });
  });
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

describe('the simulator over HTTP', () => {
  const holder = useSimulator();

  it('counts prompt and answer tokens from the actual request with the model tokenizer', async () => {
    const { body } = await post(`${holder.sim.url}/v1/chat/completions`, chat('One sentence only.', { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'One sentence only.' }] }));
    const o200k = (text: string) => countTokens(text, 'o200k_base');
    expect(body.usage.prompt_tokens).toBe(3 + (3 + o200k('Be brief.')) + (3 + o200k('One sentence only.')));
    expect(body.usage.completion_tokens).toBe(o200k('One sentence only.'));
    expect(body.choices[0].message.content).toBe('One sentence only.');
  });

  it('uses the tokenizer it is given (the catalog wires its own)', async () => {
    const sim = await startSimulator({ port: 0, tokenizerFor: () => ({ encoding: 'cl100k_base', ratio: 2 }) });
    try {
      const { body } = await post(`${sim.url}/v1/chat/completions`, chat('Two words.'));
      expect(body.usage.completion_tokens).toBe(2 * count('Two words.'));
    } finally {
      await sim.close();
    }
  });

  it('refuses requests over the window with a 429 and serves again in the next window', async () => {
    let now = FIXED_NOW;
    const sim = await startSimulator({ port: 0, now: () => now, config: { windowMs: 10_000, models: { 'gpt-4o-mini': { requestsPerWindow: 2 } } } });
    try {
      const url = `${sim.url}/v1/chat/completions`;
      expect((await post(url, chat('A.'))).status).toBe(200);
      const second = await post(url, chat('A.'));
      expect(second.status).toBe(200);
      expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      const refused = await post(url, chat('A.'));
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limit_exceeded');
      expect(refused.headers.get('x-ratelimit-reset-requests')).toBe('10s');
      now += 10_000;
      expect((await post(url, chat('A.'))).status).toBe(200);
      expect(sim.stats().byStatus).toEqual({ '200': 3, '429': 1 });
    } finally {
      await sim.close();
    }
  });

  it('refuses a request whose tokens would go over the window, in each vendor style', async () => {
    holder.sim.configure({ models: { '*': { tokensPerWindow: 30 } } });
    const groq = await post(`${holder.sim.url}/openai/v1/chat/completions`, { ...chat(REPORT), model: 'llama-3.1-8b-instant' });
    expect(groq.status).toBe(429);
    expect(groq.headers.get('retry-after')).toBe('40');
    expect(groq.body.error.type).toBe('tokens');
    const anthropic = await post(`${holder.sim.url}/v1/messages`, { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: REPORT }] });
    expect(anthropic.status).toBe(429);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(anthropic.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('30');
    const gemini = await post(`${holder.sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, { contents: [{ role: 'user', parts: [{ text: REPORT }] }] });
    expect(gemini.status).toBe(429);
    expect(gemini.body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(gemini.body.error.details.at(-1)).toEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '40s' });
  });

  it('decides error rates with a seeded random stream, the same on every run', async () => {
    const outcomes = async (seed: number) => {
      const sim = await startSimulator({ port: 0, config: { seed, models: { 'gpt-4o-mini': { errorRates: { '500': 0.3, '503': 0.2 } } } } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++) statuses.push((await post(`${sim.url}/v1/chat/completions`, chat('A.'))).status);
        return statuses;
      } finally {
        await sim.close();
      }
    };
    const first = await outcomes(7);
    expect(await outcomes(7)).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
    expect(await outcomes(8)).not.toEqual(first);
  });

  it('refuses a share of answers in each vendor style from a stream of its own, leaving the other outcomes as they were', async () => {
    const outcomes = async (refusalRate: number) => {
      const sim = await startSimulator({ port: 0, config: { seed: 3, models: { 'gpt-4o-mini': { errorRates: { '500': 0.3 }, refusalRate } } } });
      try {
        const seen: string[] = [];
        for (let i = 0; i < 30; i++) {
          const answer = await post(`${sim.url}/v1/chat/completions`, chat('A.'));
          const body = answer.body as { choices?: Array<{ message: { content: string | null; refusal: string | null }; finish_reason: string }> };
          const choice = body.choices?.[0];
          seen.push(answer.status !== 200 ? String(answer.status) : choice!.message.refusal ? `refused:${choice!.message.content}:${choice!.finish_reason}` : 'answered');
        }
        return seen;
      } finally {
        await sim.close();
      }
    };
    const none = await outcomes(0);
    const some = await outcomes(0.5);
    // The server errors fall on the same requests; only answers turn into refusals.
    expect(some.map((o) => o === '500')).toEqual(none.map((o) => o === '500'));
    expect(some).toContain('refused:null:stop');
    expect(some).toContain('answered');
    expect(none).not.toContain('refused:null:stop');
  });

  it('answers structured requests in each vendor mechanism with an object that follows the schema', async () => {
    const schema = { type: 'object', properties: { label: { type: 'string', enum: ['sales', 'billing'] } }, required: ['label'], additionalProperties: false };
    const openai = await post(`${holder.sim.url}/v1/chat/completions`, chat(TICKET, { response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } }));
    expect(JSON.parse(openai.body.choices[0].message.content)).toEqual({ label: 'billing' });
    const anthropic = await post(`${holder.sim.url}/v1/messages`, {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: TICKET }],
      tools: [{ name: 'classify', input_schema: schema }],
      tool_choice: { type: 'tool', name: 'classify' },
    });
    expect(anthropic.body.stop_reason).toBe('tool_use');
    expect(anthropic.body.content[0]).toMatchObject({ type: 'tool_use', name: 'classify', input: { label: 'billing' } });
    const gemini = await post(`${holder.sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      contents: [{ role: 'user', parts: [{ text: TICKET }] }],
      generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { label: { type: 'STRING', enum: ['sales', 'billing'] } } } },
    });
    expect(JSON.parse(gemini.body.candidates[0].content.parts[0].text)).toEqual({ label: 'billing' });
  });

  it('answers unreadable requests with the vendor error shape, naming the problem', async () => {
    const badJson = await post(`${holder.sim.url}/v1/chat/completions`, '{not json');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.type).toBe('invalid_request_error');
    const noMaxTokens = await post(`${holder.sim.url}/v1/messages`, { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi.' }] });
    expect(noMaxTokens.status).toBe(400);
    expect(noMaxTokens.body.error).toEqual({ type: 'invalid_request_error', message: 'max_tokens: Field required' });
    const streaming = await post(`${holder.sim.url}/v1/chat/completions`, chat('Hi.', { stream: true }));
    expect(streaming.body.error.message).toMatch(/stream/);
    const unknown = await post(`${holder.sim.url}/v2/nothing`, {});
    expect(unknown.status).toBe(404);
  });

  it('checks the configured key where each SDK sends it', async () => {
    holder.sim.configure({ keys: { openai: 'o-key', anthropic: 'a-key', google: 'g-key' } });
    const url = holder.sim.url;
    expect((await post(`${url}/v1/chat/completions`, chat('Hi.'), { authorization: 'Bearer o-key' })).status).toBe(200);
    const wrong = await post(`${url}/v1/chat/completions`, chat('Hi.'), { authorization: 'Bearer sk-nope-123456789' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_api_key');
    const anthropicBody = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi.' }] };
    expect((await post(`${url}/v1/messages`, anthropicBody, { 'x-api-key': 'a-key' })).status).toBe(200);
    expect((await post(`${url}/v1/messages`, anthropicBody, { authorization: 'Bearer a-key' })).status).toBe(200);
    expect((await post(`${url}/v1/messages`, anthropicBody)).body.error.type).toBe('authentication_error');
    const geminiBody = { contents: [{ parts: [{ text: 'Hi.' }] }] };
    expect((await post(`${url}/v1beta/models/gemini-2.5-flash:generateContent?key=g-key`, geminiBody)).status).toBe(200);
    expect((await post(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, geminiBody, { 'x-goog-api-key': 'g-key' })).status).toBe(200);
    expect((await post(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, geminiBody)).status).toBe(403);
    // Groq has no key configured, so it is not checked.
    expect((await post(`${url}/openai/v1/chat/completions`, chat('Hi.'))).status).toBe(200);
  });

  it('is configured and read over HTTP, rejecting a bad setting with its name', async () => {
    const url = holder.sim.url;
    const set = await post(`${url}/_sim/config`, { models: { 'gpt-4o-mini': { latencyMs: 5, errorRates: { '503': 0.5 } } } });
    expect(set.status).toBe(200);
    expect(set.body.models['gpt-4o-mini']).toEqual({ latencyMs: 5, errorRates: { '503': 0.5 } });
    const bad = await post(`${url}/_sim/config`, { models: { 'gpt-4o-mini': { timeoutRate: 2 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/models\.gpt-4o-mini\.timeoutRate/);
    const unknownKnob = await post(`${url}/_sim/config`, { models: { '*': { latency: 5 } } });
    expect(unknownKnob.status).toBe(400);
    const replaced = await post(`${url}/_sim/config?replace=true`, { windowMs: 1000 });
    expect(replaced.body).toEqual({ windowMs: 1000, seed: 1, keys: {}, models: {}, batches: DEFAULT_BATCH_KNOBS });

    await post(`${url}/v1/chat/completions`, chat('Counted.'));
    const stats = (await (await fetch(`${url}/_sim/stats`)).json()) as Record<string, any>;
    expect(stats.requests).toBe(1);
    expect(stats.models['gpt-4o-mini']).toMatchObject({ requests: 1, byStatus: { '200': 1 }, provider: 'openai' });
    expect(stats.outputTokens).toBe(stats.models['gpt-4o-mini'].outputTokens);
    await post(`${url}/_sim/reset`, {});
    expect(holder.sim.stats().requests).toBe(0);
  });

  it('holds a hanging request until the client gives up, then forgets it', async () => {
    holder.sim.configure({ models: { 'gpt-4o-mini': { timeoutRate: 1 } } });
    const error = await fetch(`${holder.sim.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat('Hi.')), signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(holder.sim.stats().timeouts).toBe(1);
  });

  it('answers a prompt over the context window with the vendor context-length error', async () => {
    holder.sim.configure({ models: { '*': { contextWindow: 10 } } });
    const openai = await post(`${holder.sim.url}/v1/chat/completions`, chat(REPORT));
    expect(openai.status).toBe(400);
    expect(openai.body.error.code).toBe('context_length_exceeded');
    const anthropic = await post(`${holder.sim.url}/v1/messages`, { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: REPORT }] });
    expect(anthropic.body.error.message).toMatch(/^prompt is too long: \d+ tokens > 10 maximum$/);
    const gemini = await post(`${holder.sim.url}/v1beta/models/gemini-2.5-flash:generateContent`, { contents: [{ parts: [{ text: REPORT }] }] });
    expect(gemini.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  });
});
