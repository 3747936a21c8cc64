import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { useTestEnv } from '../support/env.js';

const run = promisify(execFile);
const env = useTestEnv();
let folder: string;

/** Runs the installed CLI against this file's database and prefix; never throws on a non-zero exit. */
async function frugal(args: string[], overrides: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const vars: Record<string, string | undefined> = { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent', ...overrides };
  for (const [key, value] of Object.entries(vars)) if (value === undefined) delete vars[key];
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/frugal.js', ...args], { env: vars });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function waitingJobs(): Promise<number> {
  const queue = createIntakeQueue(env.redis, env.prefix);
  const counts = await queue.getJobCounts('waiting');
  await queue.close();
  return counts.waiting ?? 0;
}

beforeAll(async () => {
  await new BudgetStore(env.pool).set({ name: 'ops', limitMicros: 1_000_000, period: 'day' });
  folder = mkdtempSync(join(tmpdir(), 'frugal-enqueue-'));
  mkdirSync(join(folder, 'docs', 'nested'), { recursive: true });
  writeFileSync(join(folder, 'docs', 'a.txt'), 'The depot opened on Monday. Deliveries resumed at noon.');
  writeFileSync(join(folder, 'docs', 'nested', 'b.md'), 'Quarterly numbers are in. Revenue grew four percent.');
  writeFileSync(join(folder, 'docs', 'empty.txt'), '   \n');
  writeFileSync(join(folder, 'docs', 'image.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
  writeFileSync(
    join(folder, 'jobs.jsonl'),
    [
      JSON.stringify({ kind: 'classify', tier: 'basic', payload: { text: 'Card declined', labels: ['billing', 'bug'] }, budgets: ['ops'] }),
      '{"kind": "classify", ',
      JSON.stringify({ kind: 'translate', payload: { text: 'hola' } }),
      '# a comment',
      JSON.stringify({ kind: 'summarize', tier: 'gold', payload: { text: 'x' } }),
      JSON.stringify({ kind: 'summarize', payload: { text: 'Budget named nowhere.' }, budgets: ['nope'] }),
    ].join('\n'),
  );
});

describe('frugal enqueue', () => {
  it('enqueues the readable documents of a folder, reports each unusable one by path, and exits 1', async () => {
    const out = await frugal(['enqueue', 'summarize', join(folder, 'docs'), '--tier', 'basic', '--budget', 'ops', '--json']);
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout) as { queued: number; errors: Array<{ source: string; error: string }>; jobs: Array<{ source: string; status: string }> };
    expect(result.queued).toBe(2);
    expect(result.jobs.map((j) => j.source).sort()).toEqual([join(folder, 'docs', 'a.txt'), join(folder, 'docs', 'nested', 'b.md')]);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { source: join(folder, 'docs', 'empty.txt'), error: 'file is blank: it holds only whitespace' },
        { source: join(folder, 'docs', 'image.bin'), error: 'file is binary, not text' },
      ]),
    );
    expect(await waitingJobs()).toBe(2);
  });

  it('reports the same documents as already queued the second time', async () => {
    const out = await frugal(['enqueue', 'summarize', join(folder, 'docs', 'a.txt'), '--tier', 'basic', '--budget', 'ops', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ queued: 0, duplicate: 1 });
  });

  it('takes the good lines of a job file and names every bad one by line', async () => {
    const out = await frugal(['enqueue', '--file', join(folder, 'jobs.jsonl'), '--json']);
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout) as { queued: number; errors: Array<{ source: string; error: string }> };
    expect(result.queued).toBe(1);
    const byLine = Object.fromEntries(result.errors.map((e) => [e.source.split(':').pop(), e.error]));
    expect(byLine['2']).toMatch(/^invalid JSON/);
    expect(byLine['3']).toMatch(/^kind must be one of/);
    expect(byLine['5']).toMatch(/^tier must be one of/);
    expect(byLine['6']).toMatch(/budget "nope" does not exist/);
    expect(Object.keys(byLine)).toHaveLength(4);
  });

  it('forecasts a dry run and enqueues nothing', async () => {
    const before = await waitingJobs();
    const out = await frugal(['enqueue', 'summarize', join(folder, 'docs', 'nested'), '--tier', 'standard', '--budget', 'ops', '--dry-run', '--json']);
    expect(out.code).toBe(0);
    const forecast = JSON.parse(out.stdout) as { jobs: Array<{ model: string; maxCostMicros: number }>; maxCostMicros: number; budgets: Array<{ name: string; fits: boolean }> };
    expect(forecast.jobs).toHaveLength(1);
    // Haiku's summarize calls think (adaptive at effort low), which GPT-4o mini's price undercuts.
    expect(forecast.jobs[0]!.model).toBe('gpt-4o-mini');
    expect(forecast.maxCostMicros).toBe(forecast.jobs[0]!.maxCostMicros);
    expect(forecast.budgets).toEqual([expect.objectContaining({ name: 'ops', fits: true })]);
    expect(await waitingJobs()).toBe(before);
  });

  it('refuses, in the dry run and in enqueue itself, a job no model can take, naming each reason, and exits 1', async () => {
    const before = await waitingJobs();
    for (const extra of [['--dry-run'], []]) {
      const out = await frugal(['enqueue', 'summarize', join(folder, 'docs', 'a.txt'), '--private', ...extra]);
      expect(out.code, extra.join(' ')).toBe(1);
      expect(out.stderr).toMatch(/a\.txt: no model qualifies: .*private job: hosted providers are not allowed.*set FRUGAL_LOCAL_URL/);
    }
    expect(await waitingJobs()).toBe(before);
  });

  it('says no provider is configured, and how to configure one, instead of forecasting nothing', async () => {
    const clean = { FRUGAL_SIM_URL: undefined, FRUGAL_LOCAL_URL: undefined, GROQ_API_KEY: undefined, OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined, GEMINI_API_KEY: undefined };
    const out = await frugal(['enqueue', 'summarize', join(folder, 'docs', 'a.txt'), '--dry-run'], clean);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/no provider is configured.*set a provider API key .*FRUGAL_SIM_URL/);
  });

  it('leaves out of the dry run what enqueue would skip as already done', async () => {
    const first = await frugal(['enqueue', 'summarize', join(folder, 'docs', 'a.txt'), '--dry-run', '--json']);
    const forecast = JSON.parse(first.stdout) as { jobs: Array<{ jobId: string; maxCostMicros: number }>; maxCostMicros: number };
    expect(forecast.jobs).toHaveLength(1);
    expect(forecast.maxCostMicros).toBeGreaterThan(0);
    await env.pool.query(`insert into results (job_id, kind, model, output_text, cost_micros, calls) values ($1, 'summarize', 'llama-3.1-8b', 'done before', 10, 1)`, [forecast.jobs[0]!.jobId]);
    const again = JSON.parse((await frugal(['enqueue', 'summarize', join(folder, 'docs', 'a.txt'), '--dry-run', '--json'])).stdout) as { jobs: unknown[]; maxCostMicros: number; alreadyDone: number };
    expect(again).toMatchObject({ jobs: [], maxCostMicros: 0, alreadyDone: 1 });
  });

  it('refuses a kind that needs more than a document, with the fix', async () => {
    const out = await frugal(['enqueue', 'classify', join(folder, 'docs')]);
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe('frugal: classify jobs need more than a document (labels or a schema) — put them in a JSON Lines file and use --file');
  });
});

describe('frugal estimate', () => {
  it('shows every candidate with its costs, the choice, and why the others lost', async () => {
    const out = await frugal(['estimate', join(folder, 'docs', 'a.txt'), '--tier', 'basic', '--json']);
    expect(out.code).toBe(0);
    const [estimate] = JSON.parse(out.stdout) as Array<{ chosen: string; candidates: Array<{ model: string; chosen: boolean; lost?: string; expectedCostMicros: number; maxCostMicros: number }> }>;
    expect(estimate!.chosen).toBe('llama-3.1-8b');
    const chosen = estimate!.candidates.find((c) => c.chosen)!;
    for (const c of estimate!.candidates) {
      expect(c.maxCostMicros).toBeGreaterThanOrEqual(c.expectedCostMicros);
      if (!c.chosen) expect(c.lost).toBeTruthy();
    }
    expect(chosen.expectedCostMicros).toBe(Math.min(...estimate!.candidates.map((c) => c.expectedCostMicros)));
  });
});
