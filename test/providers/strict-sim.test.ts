import Anthropic from '@anthropic-ai/sdk';
import Groq from 'groq-sdk';
import { describe, expect, it } from 'vitest';
import { labelSchema } from '../../src/jobs/classify.js';
import { AnthropicProvider } from '../../src/providers/anthropic/anthropic-provider.js';
import { buildAnthropicRequest } from '../../src/providers/anthropic/build-anthropic-request.js';
import { BadRequestError } from '../../src/providers/errors.js';
import { GoogleProvider } from '../../src/providers/google/google-provider.js';
import { GroqProvider } from '../../src/providers/groq/groq-provider.js';
import type { ChatRequest } from '../../src/providers/types.js';
import { useTestEnv } from '../support/env.js';
import { REPORT, TICKET, rejection, useSimulator } from './support/simulator.js';

useTestEnv();

const HAIKU = 'claude-haiku-5-5';
const FLASH = 'gemini-2.5-flash';
const CLASSIFY: Pick<ChatRequest, 'system' | 'messages' | 'output'> = {
  system: 'Classify the text the user sends. Choose exactly one label of: sales, billing, technical.',
  messages: [{ role: 'user', content: TICKET }],
  output: { name: 'classification', schema: labelSchema(['sales', 'billing', 'technical']) },
};

/** A raw Messages API call through the official SDK, for bodies frugal's adapter never sends. */
async function anthropicStatus(simUrl: string, body: Record<string, unknown>): Promise<{ status: number | undefined; message: string }> {
  const client = new Anthropic({ apiKey: 'sim', baseURL: simUrl, maxRetries: 0 });
  const error = await rejection(
    client.messages.create({ model: HAIKU, max_tokens: 400, messages: [{ role: 'user', content: 'Hello there. How are you?' }], ...body } as Anthropic.Messages.MessageCreateParamsNonStreaming),
  );
  const apiError = error as InstanceType<typeof Anthropic.APIError>;
  return { status: apiError.status, message: apiError.message };
}

describe('the strict simulator: Claude Haiku 5.5', () => {
  const holder = useSimulator();
  const haiku = () => new AnthropicProvider({ apiKey: 'sim', baseURL: holder.sim.url });

  it('thinks by default at effort medium, at least 8× the answer and 200 tokens, counted inside output_tokens', async () => {
    const answer = await haiku().chat({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 4_000 });
    const thinking = answer.usage.reasoningTokens ?? 0;
    const answerTokens = answer.usage.outputTokens - thinking;
    expect(answer.finishReason).toBe('stop');
    expect(answer.object).toEqual({ label: 'billing' });
    expect(thinking).toBeGreaterThanOrEqual(200);
    expect(thinking).toBeGreaterThanOrEqual(8 * answerTokens);
    expect(holder.sim.stats().models[HAIKU]?.thinkingTokens).toBe(thinking);
  });

  it('thinks a quarter as much at effort low', async () => {
    const medium = await haiku().chat({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 4_000, reasoning: { effort: 'medium', thinking: 'adaptive' } });
    const low = await haiku().chat({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 4_000, reasoning: { effort: 'low', thinking: 'adaptive' } });
    expect(low.usage.reasoningTokens).toBe(Math.ceil((medium.usage.reasoningTokens ?? 0) / 4));
  });

  it('counts thinking against max_tokens and stops with max_tokens, cutting the classify answer', async () => {
    const answer = await haiku().chat({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 64 });
    expect(answer.finishReason).toBe('length');
    expect(answer.usage.outputTokens).toBe(64);
    expect(answer.usage.reasoningTokens).toBe(64);
    expect(answer.object).toBeUndefined();
  });

  it('answers a classify call with thinking disabled within a 64-token cap and reports no thinking', async () => {
    const answer = await haiku().chat({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 64, reasoning: { effort: 'low', thinking: 'disabled' } });
    expect(answer.finishReason).toBe('stop');
    expect(answer.object).toEqual({ label: 'billing' });
    expect(answer.usage.reasoningTokens).toBeUndefined();
    expect(holder.sim.stats().models[HAIKU]?.thinkingTokens).toBe(0);
  });

  it('sends structured output as output_config.format, never a forced tool', () => {
    const body = buildAnthropicRequest({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 64, reasoning: { effort: 'low', thinking: 'disabled' } });
    expect(body.output_config).toEqual({ effort: 'low', format: { type: 'json_schema', schema: CLASSIFY.output!.schema } });
    expect(body.thinking).toEqual({ type: 'disabled' });
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('answers 400 to a sampling parameter', async () => {
    for (const param of [{ temperature: 0.2 }, { top_p: 0.9 }, { top_k: 5 }]) {
      const answer = await anthropicStatus(holder.sim.url, param);
      expect(answer.status, JSON.stringify(param)).toBe(400);
      expect(answer.message).toMatch(/sampling parameters are not supported/);
    }
  });

  it('answers 400 to a forced tool while thinking is on', async () => {
    const tools = [{ name: 'record', input_schema: { type: 'object', properties: { label: { type: 'string' } } } }];
    const answer = await anthropicStatus(holder.sim.url, { tools, tool_choice: { type: 'tool', name: 'record' } });
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(/Thinking may not be enabled when tool_choice forces tool use/);
    const any = await anthropicStatus(holder.sim.url, { tools, tool_choice: { type: 'any' }, thinking: { type: 'adaptive' } });
    expect(any.status).toBe(400);
  });

  it("answers 400 to thinking.type 'enabled' with a budget", async () => {
    const answer = await anthropicStatus(holder.sim.url, { thinking: { type: 'enabled', budget_tokens: 1024 } });
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(/'enabled' is not supported/);
  });

  it('answers 400 to thinking disabled at effort xhigh or max', async () => {
    for (const effort of ['xhigh', 'max']) {
      const answer = await anthropicStatus(holder.sim.url, { thinking: { type: 'disabled' }, output_config: { effort } });
      expect(answer.status, effort).toBe(400);
      expect(answer.message).toMatch(/cannot be disabled at effort/);
    }
  });

  it('answers 400 to an assistant prefill', async () => {
    const answer = await anthropicStatus(holder.sim.url, {
      thinking: { type: 'disabled' },
      messages: [
        { role: 'user', content: 'Classify this ticket.' },
        { role: 'assistant', content: '{"label": "' },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(/prefill/);
  });

  it('surfaces a rejected request as BadRequestError through the adapter', async () => {
    const error = await rejection(haiku().chat({ model: HAIKU, ...CLASSIFY, maxOutputTokens: 64, reasoning: { effort: 'max', thinking: 'disabled' } }));
    expect(error).toBeInstanceOf(BadRequestError);
  });
});

describe('the strict simulator: Gemini 2.5 Flash', () => {
  const holder = useSimulator();
  const flash = () => new GoogleProvider({ apiKey: 'sim', baseURL: holder.sim.url });
  const summarize: ChatRequest = { model: FLASH, messages: [{ role: 'user', content: REPORT }], maxOutputTokens: 4_000 };

  it('thinks by default, reporting thoughtsTokenCount as the reasoning part of the output', async () => {
    const answer = await flash().chat(summarize);
    const thinking = answer.usage.reasoningTokens ?? 0;
    expect(thinking).toBeGreaterThanOrEqual(200);
    expect(thinking).toBeLessThan(answer.usage.outputTokens);
    expect(answer.usage).toEqual(holder.sim.stats().models[FLASH]?.lastUsage);
  });

  it('does not think with thinkingBudget 0', async () => {
    const answer = await flash().chat({ ...summarize, reasoning: { thinkingBudget: 0 } });
    expect(answer.usage.reasoningTokens).toBeUndefined();
    expect(holder.sim.stats().models[FLASH]?.thinkingTokens).toBe(0);
  });

  it('caps thinking at a positive thinkingBudget', async () => {
    const answer = await flash().chat({ ...summarize, reasoning: { thinkingBudget: 120 } });
    expect(answer.usage.reasoningTokens).toBe(120);
  });

  it('counts thoughts against maxOutputTokens, leaving a short limit with no answer', async () => {
    const answer = await flash().chat({ ...summarize, maxOutputTokens: 100 });
    expect(answer.finishReason).toBe('length');
    expect(answer.text).toBe('');
    expect(answer.usage.reasoningTokens).toBe(100);
  });
});

describe('the strict simulator: Groq structured output', () => {
  const holder = useSimulator();
  const groq = () => new GroqProvider({ apiKey: 'sim', baseURL: holder.sim.url });

  it("answers 400 in Groq's error shape to json_schema on a model outside Groq's list", async () => {
    const error = await rejection(groq().chat({ model: 'llama-3.1-8b-instant', ...CLASSIFY, maxOutputTokens: 64, structuredOutput: 'json_schema' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/does not support response format `json_schema`/);
    const raw = await rejection(
      new Groq({ apiKey: 'sim', baseURL: holder.sim.url, maxRetries: 0 }).chat.completions.create({
        model: 'llama-3.3-70b-versatile',
        messages: [{ role: 'user', content: TICKET }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: CLASSIFY.output!.schema } },
      }),
    );
    expect((raw as InstanceType<typeof Groq.APIError>).status).toBe(400);
    expect((raw as InstanceType<typeof Groq.APIError>).error).toEqual({
      error: { message: expect.stringMatching(/^This model does not support response format `json_schema`/), type: 'invalid_request_error' },
    });
  });

  it('answers 400 to strict: true on a model with best-effort mode only, and accepts strict: false there', async () => {
    const request = { model: 'openai/gpt-oss-safeguard-20b', ...CLASSIFY, maxOutputTokens: 64 };
    const error = await rejection(groq().chat({ ...request, structuredOutput: 'json_schema_strict' }));
    expect((error as BadRequestError).message).toMatch(/does not support strict mode/);
    const answer = await groq().chat({ ...request, structuredOutput: 'json_schema' });
    expect(answer.object).toEqual({ label: 'billing' });
  });

  it('answers 400 to JSON Object Mode when the prompt does not ask for JSON', async () => {
    const raw = await rejection(
      new Groq({ apiKey: 'sim', baseURL: holder.sim.url, maxRetries: 0 }).chat.completions.create({
        model: 'llama-3.1-8b-instant',
        messages: [{ role: 'user', content: TICKET }],
        response_format: { type: 'json_object' },
      }),
    );
    expect((raw as InstanceType<typeof Groq.APIError>).status).toBe(400);
  });
});
