import { describe, expect, it } from 'vitest';
import { GroqBatchVendor } from '../../src/batch/groq-batch-vendor.js';
import { OpenAIBatchVendor } from '../../src/batch/openai-batch-vendor.js';
import { estimateUsageWithTiktoken } from '../../src/providers/estimate-usage.js';
import type { ChatRequest } from '../../src/providers/types.js';
import { REPORT, useSimulator } from './support/simulator.js';

// A fixed clock at the simulator's FIXED_NOW: processing time 0 finishes a batch at its first look.
const holder = useSimulator({ config: { batches: { processingMs: 0 } } });
const request = (n: number): ChatRequest => ({ model: 'gpt-4o-mini', system: 'Summarize.', messages: [{ role: 'user', content: `${REPORT}\nItem ${n}.` }], maxOutputTokens: 200 });

function vendors() {
  const common = { apiKey: 'sk-test', estimateUsage: estimateUsageWithTiktoken };
  return { openai: new OpenAIBatchVendor({ ...common, baseURL: `${holder.sim.url}/v1` }), groq: new GroqBatchVendor({ ...common, baseURL: holder.sim.url }) };
}

async function submit(vendor: OpenAIBatchVendor | GroqBatchVendor, count: number, model = 'gpt-4o-mini', window = '24h') {
  const lines = Array.from({ length: count }, (_, i) => ({ customId: `call-${i}`, body: vendor.buildBody({ ...request(i), model }) }));
  const file = await vendor.upload('b-1', lines);
  return vendor.create('b-1', file, window);
}

describe('simulated batch APIs through the official SDKs', () => {
  it('answers every line of an OpenAI batch with the engine, matched by custom id, billed only for answers', async () => {
    const { openai } = vendors();
    const created = await submit(openai, 3);
    expect(created.status).toBe('validating');
    expect(created.frugalBatchId).toBe('b-1');
    const done = await openai.retrieve(created.id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ total: 3, completed: 3, failed: 0 });
    const lines = await openai.download(done.outputFileId!);
    expect(lines.map((l) => l.customId).sort()).toEqual(['call-0', 'call-1', 'call-2']);
    const answer = openai.parseAnswer(lines[0]!.body, request(0));
    expect(answer.usageEstimated).toBe(false);
    expect(answer.usage.inputTokens).toBeGreaterThan(20);
    expect(answer.text.length).toBeGreaterThan(0);
    // Batch lines stay out of the synchronous counters' rate windows but are answered by the same engine.
    expect(holder.sim.stats().models['gpt-4o-mini']?.byStatus['200']).toBe(3);
  });

  it('puts errored and expired lines in the error file and ends an expiring batch expired', async () => {
    const { openai } = vendors();
    holder.sim.configure({ batches: { lineErrorRate: 0.3, expiredLineRate: 0.3, processingMs: 0 } });
    const created = await submit(openai, 20);
    const done = await openai.retrieve(created.id);
    expect(done.status).toBe('expired');
    const errors = await openai.download(done.errorFileId!);
    const outputs = done.outputFileId ? await openai.download(done.outputFileId) : [];
    expect(outputs.length + errors.length).toBe(20);
    expect(errors.some((l) => l.errorCode === 'batch_expired' && l.statusCode === undefined)).toBe(true);
    expect(errors.some((l) => l.statusCode === 500)).toBe(true);
    expect(done.counts).toEqual({ total: 20, completed: outputs.length, failed: errors.length });
  });

  it('fails a batch at validation when the knob says so, with nothing answered', async () => {
    const { openai } = vendors();
    holder.sim.configure({ batches: { failValidation: true } });
    const created = await submit(openai, 2);
    const done = await openai.retrieve(created.id);
    expect(done.status).toBe('failed');
    expect(done.errors).toMatch(/Enqueued token limit/);
    expect(done.outputFileId).toBeNull();
    expect(holder.sim.stats().requests).toBe(0);
  });

  it('refuses a file mixing models or repeating a custom id, as the vendors validate them', async () => {
    const { openai } = vendors();
    const file = await openai.upload('b-2', [
      { customId: 'a', body: openai.buildBody(request(1)) },
      { customId: 'a', body: openai.buildBody(request(2)) },
    ]);
    const done = await openai.retrieve((await openai.create('b-2', file, '24h')).id);
    expect(done.status).toBe('failed');
    expect(done.errors).toMatch(/duplicate/);
  });

  it('serves Groq under /openai/v1 with windows from 24h to 7d, lists batches with their metadata and cancels', async () => {
    const { groq } = vendors();
    expect(groq.windowFor(23 * 3_600_000)).toBeUndefined();
    expect(groq.windowFor(50 * 3_600_000)).toEqual({ window: '2d', ms: 48 * 3_600_000 });
    expect(groq.windowFor(30 * 86_400_000)).toEqual({ window: '7d', ms: 7 * 86_400_000 });
    await expect(submit(groq, 1, 'llama-3.1-8b-instant', '8d')).rejects.toThrow(/24h to 7d/);
    holder.sim.configure({ batches: { processingMs: 60_000 } });
    const created = await submit(groq, 2, 'llama-3.1-8b-instant', '3d');
    const listed = await groq.list();
    expect(listed.find((b) => b.id === created.id)?.frugalBatchId).toBe('b-1');
    await groq.cancel(created.id);
    const cancelled = await groq.retrieve(created.id);
    expect(cancelled.status).toBe('cancelled');
    const errors = await groq.download(cancelled.errorFileId!);
    expect(errors.map((l) => l.errorCode)).toEqual(['batch_cancelled', 'batch_cancelled']);
  });

  it('asks for the API key the synchronous routes ask for', async () => {
    holder.sim.configure({ keys: { openai: 'sk-right' } });
    const { openai } = vendors();
    await expect(openai.upload('b-3', [{ customId: 'x', body: {} }])).rejects.toThrow(/Incorrect API key/);
  });
});
