import { describe, expect, it } from 'vitest';
import { classify } from '../../src/jobs/classify.js';
import { extract } from '../../src/jobs/extract.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { splitDocument } from '../../src/jobs/split-document.js';
import { summarize } from '../../src/jobs/summarize.js';
import { countTokens } from '../../src/pricing/tokenizer.js';
import type { ChatResponse } from '../../src/providers/types.js';
import { jobIdFor } from '../../src/queue/job-id.js';

function response(text: string, object?: unknown): ChatResponse {
  return {
    text,
    ...(object === undefined ? {} : { object }),
    usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 },
    usageEstimated: false,
    finishReason: 'stop',
    modelId: 'm',
    latencyMs: 1,
  };
}

describe('job specs', () => {
  it('fills defaults and validates the payload against its kind', () => {
    const spec = parseJobSpec({ kind: 'summarize', payload: { text: 'Hello there.' } });
    expect(spec).toMatchObject({ kind: 'summarize', tier: 'standard', budgets: [], private: false, payload: { text: 'Hello there.', maxWords: 150 } });
  });

  it('names the bad field of a bad job', () => {
    expect(() => parseJobSpec({ kind: 'translate', payload: {} })).toThrow(/^kind must be one of summarize, extract, classify, report/);
    expect(() => parseJobSpec({ kind: 'summarize', tier: 'gold', payload: { text: 'x' } })).toThrow(/^tier must be one of basic/);
    expect(() => parseJobSpec({ kind: 'summarize', payload: { text: '   ' } })).toThrow(/^payload\.text is empty/);
    expect(() => parseJobSpec({ kind: 'classify', payload: { text: 'x', labels: ['a'] } })).toThrow(/^payload\.labels needs at least two labels/);
    expect(() => parseJobSpec({ kind: 'extract', payload: { text: 'x', schema: { type: 'string' } } })).toThrow(/^payload\.schema must be a JSON Schema whose top level/);
    expect(() => parseJobSpec({ kind: 'extract', payload: { text: 'x' } })).toThrow(/^payload\.schema is missing/);
  });

  it('gives the same work the same id whatever the key order, and different work another', () => {
    const a = parseJobSpec({ kind: 'classify', payload: { text: 't', labels: ['x', 'y'] }, budgets: ['b', 'a'] });
    const b = parseJobSpec({ budgets: ['a', 'b'], payload: { labels: ['x', 'y'], text: 't' }, kind: 'classify', priority: 3 });
    const c = parseJobSpec({ kind: 'classify', tier: 'premium', payload: { text: 't', labels: ['x', 'y'] }, budgets: ['a', 'b'] });
    expect(jobIdFor(a)).toBe(jobIdFor(b));
    expect(jobIdFor(a)).not.toBe(jobIdFor(c));
    expect(jobIdFor(a)).toMatch(/^classify-[A-Za-z0-9_-]{22}$/);
  });
});

describe('job kinds', () => {
  it('asks for classification as an object whose label is an enum of the offered labels', () => {
    const payload = classify.payload.parse({ text: 'refund please', labels: ['billing', 'bug'] });
    const prompt = classify.buildPrompt(payload);
    expect(prompt.output?.schema).toMatchObject({ properties: { label: { enum: ['billing', 'bug'] } }, required: ['label'] });
    expect(classify.checkOutput(payload, response('{"label":"billing"}', { label: 'billing' }))).toMatchObject({ ok: true });
    expect(classify.checkOutput(payload, response('{"label":"sales"}', { label: 'sales' }))).toMatchObject({ ok: false });
    expect(classify.checkOutput(payload, response('{"label":'))).toMatchObject({ ok: false, reason: 'answer is not valid JSON' });
  });

  it('accepts an extraction only when it validates against the schema', () => {
    const payload = extract.payload.parse({
      text: 'Invoice 42 from ACME, total 12.50',
      schema: { type: 'object', properties: { vendor: { type: 'string' }, total: { type: 'number' } }, required: ['vendor', 'total'] },
    });
    expect(extract.checkOutput(payload, response('', { vendor: 'ACME', total: 12.5 }))).toMatchObject({ ok: true });
    const wrong = extract.checkOutput(payload, response('', { vendor: 'ACME' }));
    expect(wrong).toMatchObject({ ok: false });
    expect(!wrong.ok && wrong.reason).toMatch(/must have required property 'total'/);
  });

  it('rejects an empty summary so the job escalates', () => {
    const payload = summarize.payload.parse({ text: 'A long story.' });
    expect(summarize.checkOutput(payload, response('  '))).toEqual({ ok: false, reason: 'empty answer' });
    expect(summarize.buildPrompt(payload).outputCap).toEqual({ maxWords: 150 });
  });
});

describe('splitting long documents', () => {
  const paragraph = (i: number) => `Paragraph ${i} begins here. ` + 'It carries on with several plain words. '.repeat(20);
  const document = Array.from({ length: 30 }, (_, i) => paragraph(i)).join('\n\n');

  it('keeps every chunk within the token cap and loses no sentence', () => {
    const chunks = splitDocument(document, 500, 'cl100k_base');
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(countTokens(chunk, 'cl100k_base')).toBeLessThanOrEqual(500);
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    expect(words(chunks.join(' '))).toEqual(words(document));
  });

  it('breaks at paragraph ends when paragraphs fit', () => {
    const chunks = splitDocument(document, 500, 'cl100k_base');
    for (const chunk of chunks) expect(chunk).toMatch(/^Paragraph \d+ begins here\./);
  });

  it('splits a sentence longer than a chunk on token boundaries', () => {
    const run = 'word '.repeat(3_000).trim();
    const chunks = splitDocument(run, 256, 'o200k_base');
    for (const chunk of chunks) expect(countTokens(chunk, 'o200k_base')).toBeLessThanOrEqual(256);
    expect(chunks.join(' ').split(/\s+/)).toHaveLength(3_000);
  });
});
