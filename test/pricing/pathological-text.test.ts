import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { estimate } from '../../src/pricing/estimate.js';
import { countTokens, decodeTokens, encodeTokens, getEncoder, MAX_RUN_CHARS, splitLongRuns, tokenizerFallbacks, type Encoding } from '../../src/pricing/tokenizer.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { estimateRequestFor } from '../../src/router/forecast.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';

const run = promisify(execFile);
const env = useTestEnv();
const WINDOW = 8_000;
const small = { contextWindow: WINDOW, maxOutputTokens: 1_000 };
const pipeline = usePipeline(env, {
  catalog: { models: { 'llama-3.1-8b': small, 'llama-3.3-70b': small, 'gpt-4o-mini': small, 'claude-haiku': { ...small, longContext: null }, 'gemini-flash': small } },
});
/** Counting a megabyte in pieces takes about a second per encoding on a quiet core; CI machines are shared. */
const SLOW = 180_000;
const ENCODINGS: Encoding[] = ['cl100k_base', 'o200k_base'];

/** Inputs that break or stall tiktoken in one piece (openai/tiktoken#15, #245), by name and size. */
const PATHOLOGICAL: Record<string, (size: number) => string> = {
  'one repeated letter': (n) => 'x'.repeat(n),
  'digits without separators': (n) => '1234567890'.repeat(Math.ceil(n / 10)).slice(0, n),
  'one repeated emoji': (n) => '😀'.repeat(Math.ceil(n / 2)),
  'minified JSON': (n) => JSON.stringify(Array.from({ length: Math.ceil(n / 24) }, (_, i) => ({ id: i, tag: `t${i % 97}` }))).slice(0, n),
  'base64 without newlines': (n) => Buffer.from(Array.from({ length: Math.ceil((n * 3) / 4) }, (_, i) => (i * 7919 + i * i) % 256)).toString('base64').slice(0, n),
  'a hex dump run together': (n) => Array.from({ length: n }, (_, i) => '0123456789abcdef'[(i * 31 + (i >> 3)) % 16]).join(''),
  'a long symbol run': (n) => '=-'.repeat(Math.ceil(n / 2)),
  'whitespace alone': (n) => ' \t'.repeat(Math.ceil(n / 2)),
};

/** A normal sentence still counts as tiktoken publishes it: the process's encoders are not broken. */
function expectEncodersHealthy(): void {
  expect([...encodeTokens('hello world', 'cl100k_base')]).toEqual([15339, 1917]);
  expect([...encodeTokens('tiktoken is great!', 'o200k_base')]).toEqual([83, 8251, 2488, 382, 2212, 0]);
}

describe('counting pathological text', () => {
  it.each(Object.keys(PATHOLOGICAL))('counts a megabyte of %s in both encodings without a trap, then counts normal text correctly', (name) => {
    const text = PATHOLOGICAL[name]!(1_000_000);
    for (const encoding of ENCODINGS) {
      const tokens = countTokens(text, encoding);
      expect(tokens).toBeGreaterThan(0);
      // Every token is at least one byte: a count above the byte length would be the fallback's or wrong.
      expect(tokens).toBeLessThanOrEqual(Buffer.byteLength(text, 'utf8'));
      expectEncodersHealthy();
    }
    expect(tokenizerFallbacks()).toBe(0);
  }, SLOW);

  it('never counts fewer tokens in pieces than tiktoken counts the whole text, and at most four more per cut', () => {
    for (const [name, make] of Object.entries(PATHOLOGICAL)) {
      // Short enough to count whole in reasonable time, long enough to be cut several times.
      const text = `Intro words ${make(3_000)} and an ending.`;
      const cuts = splitLongRuns(text).length - 1;
      for (const encoding of ENCODINGS) {
        const whole = wholeCount(text, encoding);
        const pieced = countTokens(text, encoding);
        expect(pieced, `${name} (${encoding})`).toBeGreaterThanOrEqual(whole);
        expect(pieced, `${name} (${encoding})`).toBeLessThanOrEqual(whole + 4 * cuts);
      }
    }
  });

  it('counts ordinary prose exactly, without cutting it', () => {
    const prose = 'The depot opened on Monday. Deliveries resumed at noon, and the crew fixed conveyor four. '.repeat(2_000);
    expect(splitLongRuns(prose)).toEqual([prose]);
    for (const encoding of ENCODINGS) expect(countTokens(prose, encoding)).toBe(wholeCount(prose, encoding));
  });

  it('encodes a long run in pieces whose ids decode to exactly the text, emoji intact', () => {
    for (const text of ['😀'.repeat(150_000), `head ${'y'.repeat(300_000)} tail`]) {
      for (const encoding of ENCODINGS) expect(decodeTokens(encodeTokens(text, encoding), encoding)).toBe(text);
    }
    for (const piece of splitLongRuns('😀'.repeat(1_000))) expect(piece.length).toBeLessThanOrEqual(MAX_RUN_CHARS + 1);
  });

  it('counts ten megabytes of mixed text', () => {
    const parts = [PATHOLOGICAL['minified JSON']!(200_000), 'Plain prose follows here. '.repeat(20_000), PATHOLOGICAL['one repeated letter']!(200_000)];
    let text = '';
    while (text.length < 10_000_000) text += parts.join('\n');
    for (const encoding of ENCODINGS) expect(countTokens(text, encoding)).toBeGreaterThan(2_000_000);
    expectEncodersHealthy();
  }, SLOW);

  it('estimates a job on a one-character megabyte like any long text', () => {
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'z'.repeat(1_000_000) } });
    const est = estimate(estimateRequestFor(spec), pipeline.catalog.require('gpt-4o-mini'));
    expect(est.rawInputTokens).toBeGreaterThan(100_000);
    expect(est.fitsWindow).toBe(false);
    expectEncodersHealthy();
  }, SLOW);
});

describe('pathological text through the simulator and the pipeline', () => {
  it('answers an over-long one-character prompt with the vendor’s context-length error, not a 500', async () => {
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${pipeline.sim.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'x'.repeat(1_000_000) }] })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect(String((error as Error).message)).toMatch(/context/i);
    // A normal request on the same simulator still answers.
    const ok = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'Say hi.' }] });
    expect(ok.usage?.prompt_tokens).toBeGreaterThan(0);
  }, SLOW);

  it('summarizes a one-character document end to end in parts, then a normal job still completes', async () => {
    const odd = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'q'.repeat(150_000), maxWords: 50 } });
    const normal = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'The depot opened on Monday. Deliveries resumed at noon.', maxWords: 20 } });
    await pipeline.producer.producer.enqueue([odd, normal]);
    const statuses = async () =>
      (await env.pool.query<{ status: string }>('select status from jobs where job_id = any($1)', [[jobIdFor(odd), jobIdFor(normal)]])).rows.map((r) => r.status).sort();
    await waitFor(async () => (await statuses()).join() === 'completed,completed', { what: 'both jobs completed', timeoutMs: 150_000 });
    const { rows: parts } = await env.pool.query('select 1 from jobs where parent_id = $1', [jobIdFor(odd)]);
    expect(parts.length).toBeGreaterThan(1);
    expect(pipeline.sim.stats().byStatus['500'] ?? 0).toBe(0);
  }, SLOW);

  it('forecasts a one-character megabyte file with `estimate` and `enqueue --dry-run`, exit 0', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'frugal-xx-')), 'xx.txt');
    writeFileSync(file, 'x'.repeat(1_000_000));
    const vars = { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: pipeline.sim.url, LOG_LEVEL: 'silent' };
    for (const args of [['estimate', file], ['enqueue', 'summarize', file, '--dry-run']]) {
      const { stdout } = await run(process.execPath, ['bin/frugal.js', ...args], { env: vars });
      expect(stdout, args.join(' ')).toMatch(/\$\d/);
      expect(stdout).not.toMatch(/unreachable/);
    }
  }, SLOW);
});

/** tiktoken's own count of the whole text in one piece (feasible only for short texts). */
function wholeCount(text: string, encoding: Encoding): number {
  return getEncoder(encoding).encode_ordinary(text).length;
}
