import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger, newCallId } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { CliContext } from '../../src/cli/context.js';
import { cancelJobs, listFailedJobs, retryJobs } from '../../src/cli/commands/jobs.js';
import { setQueuePaused } from '../../src/cli/commands/queue.js';
import { exportResults, listResults, pruneResults } from '../../src/cli/commands/results.js';
import { collectStatus, formatStatus } from '../../src/cli/commands/status.js';
import { buildProgram } from '../../src/cli/program.js';
import { loadConfig, type Config } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { parseJobSpec, type JobSpec } from '../../src/jobs/job-spec.js';
import { createLogger } from '../../src/log.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { catalogTokenizerFor } from '../../src/providers/sim/catalog-tokenizer-for.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/sim/simulator.js';
import { JobStateError } from '../../src/queue/job-state-error.js';
import { openProducer, type OpenProducer } from '../../src/queue/open-producer.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { UnknownJobError } from '../../src/queue/unknown-job-error.js';
import { FrugalWorker } from '../../src/workers/frugal-worker.js';
import { ProviderHealth } from '../../src/workers/provider-health.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let sim: RunningSimulator;
let config: Config;
let ctx: CliContext;
let worker: FrugalWorker;
let producer: OpenProducer;
const ledger = () => new BudgetLedger(env.pool, { mode: 'perCall', logger: createLogger('silent') });

const invoice = (n: number): JobSpec =>
  parseJobSpec({
    kind: 'extract',
    tier: 'premium',
    budgets: ['team'],
    payload: { text: `Invoice ${n} from ACME Corp, total ${n}.50 EUR.`, schema: { type: 'object', properties: { vendor: { type: 'string' }, total: { type: 'number' } }, required: ['vendor', 'total'] } },
  });
const note = (text: string, budgets = ['team']): JobSpec => parseJobSpec({ kind: 'summarize', tier: 'basic', budgets, payload: { text } });

async function status(jobId: string): Promise<string | undefined> {
  const { rows } = await env.pool.query<{ status: string }>('select status from jobs where job_id = $1', [jobId]);
  return rows[0]?.status;
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tokenizerFor: catalogTokenizerFor(loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' })) });
  config = loadConfig({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' });
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 5_000_000, period: 'day' });
  await new BudgetStore(env.pool).set({ name: 'tiny', limitMicros: 1, period: 'day' });
  worker = await FrugalWorker.start(config, { concurrency: 4, logger: createLogger('silent') });
  producer = await openProducer(config);
  ctx = new CliContext(config);
});

afterAll(async () => {
  await ctx?.close();
  await worker?.close();
  await producer?.close();
  await sim?.close();
});

describe('frugal status --json', () => {
  it('shows queue counts, calls in flight, spend per budget and provider health', async () => {
    const callId = newCallId();
    await ledger().reserve({ callId, jobId: 'ghost', kind: 'summarize', model: 'claude-haiku', provider: 'anthropic', budgetNames: ['team'], maxCostMicros: 1_234 });
    // Google: no job here routes there, so the slow-down holds nothing back.
    await new ProviderHealth(env.redis, env.prefix).slowDown('google', 60_000, '429 from gemini-flash');
    await setQueuePaused(ctx, true);
    const [outcome] = await producer.producer.enqueue([note('The depot in Valencia opened in July. It runs on solar power.')]);
    try {
      const s = await collectStatus(ctx);
      expect(s.queue).toEqual({
        name: 'intake',
        paused: true,
        counts: { waiting: 1, prioritized: 0, active: 0, delayed: 0, waitingChildren: 0, completed: 0, failed: 0 },
        workers: 1,
      });
      expect(s.inFlight).toEqual({ calls: 1, reservedMicros: 1_234, sync: { calls: 1, reservedMicros: 1_234 }, batch: { calls: 0, reservedMicros: 0 } });
      expect(s.waitingForBudget).toEqual({ jobs: 0, byBudget: [] });
      expect(s.budgets.find((b) => b.name === 'team')).toMatchObject({ period: 'day', limitMicros: 5_000_000, spentMicros: 0, reservedMicros: 1_234, remainingMicros: 4_998_766, hard: true, exhausted: false });
      const google = s.providers.find((p) => p.provider === 'google')!;
      expect(google).toMatchObject({ configured: true, state: 'slowed', reason: '429 from gemini-flash' });
      expect(Date.parse(google.until!)).toBeGreaterThan(Date.now());
      expect(s.providers.find((p) => p.provider === 'anthropic')).toEqual({ provider: 'anthropic', configured: true, reason: null, state: 'ok', until: null });
      expect(s.providers.find((p) => p.provider === 'local')).toMatchObject({ configured: false, state: 'unconfigured' });
      expect(s.schedules).toBe(0);
      expect(s.rateLimited).toEqual([]);
      // A worker's limiter refused a claude-haiku call and handed out a slot (as ProviderLimiter records it).
      const slot = Date.now() + 90_000;
      await env.redis.hset(`${env.prefix}:rl-wait:claude-haiku`, 'until', String(slot), 'refusals', '7');
      const limited = await collectStatus(ctx);
      expect(limited.rateLimited).toEqual([{ model: 'claude-haiku', nextSlotAt: new Date(slot).toISOString(), refusals: 7 }]);
      expect(formatStatus(limited)).toContain(`rate limit claude-haiku, next slot ${new Date(slot).toLocaleTimeString('en-GB', { hour12: false })}`);
    } finally {
      await env.redis.del(`${env.prefix}:rl-wait:claude-haiku`);
      await env.redis.del(`${env.prefix}:health:slowed:google`);
      await ledger().release(callId, 'test');
      expect(await setQueuePaused(ctx, false)).toEqual({ queue: 'intake', paused: false, unchanged: false });
    }
    // Resumed, the waiting job runs.
    await waitFor(async () => (await status(outcome!.jobId)) === 'completed', { what: 'the job to complete after resume' });
  });

  it('pauses and resumes the queue for every worker, telling when nothing changed', async () => {
    expect(await setQueuePaused(ctx, true)).toEqual({ queue: 'intake', paused: true, unchanged: false });
    expect(await setQueuePaused(ctx, true)).toEqual({ queue: 'intake', paused: true, unchanged: true });
    const queue = createIntakeQueue(env.redis, env.prefix);
    try {
      expect(await queue.isPaused()).toBe(true);
      expect(await setQueuePaused(ctx, false)).toMatchObject({ paused: false, unchanged: false });
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
    }
  });
});

describe('frugal jobs', () => {
  it('lists a failed job with its reason, and retries it to completion once the cause is gone', async () => {
    // Every vendor refuses: the job fails at once with the reasons (failed checks would retry it first).
    sim.configure({ models: { '*': { refusalRate: 1 } } });
    const [outcome] = await producer.producer.enqueue([invoice(1)]);
    const jobId = outcome!.jobId;
    try {
      await waitFor(async () => (await status(jobId)) === 'failed', { what: 'the job to fail' });
    } finally {
      sim.configure({ models: { '*': null } });
    }
    const failed = await listFailedJobs(ctx);
    expect(failed.total).toBe(1);
    expect(failed.jobs[0]).toMatchObject({ jobId, kind: 'extract', tier: 'premium', budgets: ['team'], parentId: null });
    expect(failed.jobs[0]!.error).toMatch(/every qualified model refused to answer/);
    // MODEL shows the last model called, and the reason names it.
    const { rows: called } = await env.pool.query<{ model: string }>('select model from ledger where job_id = $1 order by started_at desc, seq desc limit 1', [jobId]);
    expect(called[0]?.model).toBeDefined();
    expect(failed.jobs[0]!.model).toBe(called[0]!.model);
    expect(failed.jobs[0]!.error).toContain(called[0]!.model);

    expect(await retryJobs(ctx, { id: jobId })).toEqual({ done: [{ jobId, requestedId: jobId }], skipped: [] });
    await waitFor(async () => (await status(jobId)) === 'completed', { what: 'the retried job to complete' });
    const { rows } = await env.pool.query<{ model: string }>('select model from results where job_id = $1', [jobId]);
    expect(rows).toEqual([{ model: 'claude-haiku' }]);
    expect((await listFailedJobs(ctx)).total).toBe(0);

    await expect(retryJobs(ctx, { id: jobId })).rejects.toThrow(JobStateError);
    await expect(retryJobs(ctx, { id: jobId })).rejects.toThrow(`job "${jobId}" is completed, not failed`);
    expect(await retryJobs(ctx, { all: true })).toEqual({ done: [], skipped: [] });
  });

  it('refuses an unknown job id, and a command given both an id and --all', async () => {
    await expect(retryJobs(ctx, { id: 'no-such-job' })).rejects.toThrow(UnknownJobError);
    await expect(cancelJobs(ctx, { id: 'no-such-job' })).rejects.toThrow('no job with id "no-such-job"');
    await expect(retryJobs(ctx, { id: 'x', all: true })).rejects.toThrow(InputError);
    await expect(cancelJobs(ctx, {})).rejects.toThrow('give a job id or --all-waiting');
  });

  it('cancels every job waiting for budget, removing it from the queue and releasing what it held', async () => {
    const [outcome] = await producer.producer.enqueue([note('A memo about third quarter sales. Revenue grew by seven percent.', ['tiny'])]);
    const jobId = outcome!.jobId;
    await waitFor(async () => (await status(jobId)) === 'waiting_budget', { what: 'the job to wait for budget' });
    const s = await collectStatus(ctx);
    expect(s.waitingForBudget.jobs).toBe(1);
    expect(s.waitingForBudget.byBudget[0]).toMatchObject({ budget: 'tiny', jobs: 1 });
    // A reservation of this job left open (its worker died mid-call).
    await ledger().reserve({ callId: newCallId(), jobId, kind: 'summarize', model: 'llama-3.1-8b', provider: 'groq', budgetNames: ['team'], maxCostMicros: 777 });

    const cancelled = await cancelJobs(ctx, { allWaiting: true });
    expect(cancelled).toEqual({ done: [{ jobId, requestedId: jobId, cancelledJobs: 1, releasedCalls: 1, releasedMicros: 777 }], skipped: [] });
    expect(await status(jobId)).toBe('cancelled');
    const queue = createIntakeQueue(env.redis, env.prefix);
    try {
      expect(await queue.getJob(jobId)).toBeUndefined();
    } finally {
      await queue.close();
    }
    const team = await new BudgetStore(env.pool).status('team');
    expect(team.reservedMicros).toBe(0);
    expect((await collectStatus(ctx)).waitingForBudget.jobs).toBe(0);
    await expect(cancelJobs(ctx, { id: jobId })).rejects.toThrow(`job "${jobId}" is already cancelled`);
  });

  it('will not cancel a job whose call is in flight', async () => {
    sim.configure({ models: { '*': { latencyMs: 2_000 } } });
    const [outcome] = await producer.producer.enqueue([note('Support ticket about a wrong delivery date. The pallets arrived late.')]);
    const jobId = outcome!.jobId;
    const queue = createIntakeQueue(env.redis, env.prefix);
    try {
      await waitFor(async () => (await (await queue.getJob(jobId))?.getState()) === 'active', { what: 'the job to run' });
      await expect(cancelJobs(ctx, { id: jobId })).rejects.toThrow(`job "${jobId}" is running now and cannot be cancelled mid-call`);
      await waitFor(async () => (await status(jobId)) === 'completed', { what: 'the running job to complete' });
    } finally {
      sim.configure({ models: { '*': null } });
      await queue.close();
    }
  });
});

describe('frugal results', () => {
  it('lists results newest first, exports them as JSON lines and prunes the old ones', async () => {
    // Three jobs completed above (the cancelled one did not).
    const listed = await listResults(ctx, { limit: 2 });
    expect(listed.total).toBe(3);
    expect(listed.results).toHaveLength(2);
    expect(Object.keys(listed.results[0]!).sort()).toEqual(['calls', 'costMicros', 'createdAt', 'jobId', 'json', 'kind', 'model', 'parentId', 'reasoningTokens', 'source', 'text', 'tier', 'totalCostMicros']);
    expect(listed.results[0]!.createdAt >= listed.results[1]!.createdAt).toBe(true);
    const extract = (await listResults(ctx, { kind: 'extract' })).results;
    expect(extract).toHaveLength(1);
    // Reasoning tokens are the job's charged calls' (the simulator reported none; set some by hand).
    expect(extract[0]!.reasoningTokens).toBe(0);
    await env.pool.query(`update ledger set reasoning_tokens = 17 where job_id = $1 and status = 'settled'`, [extract[0]!.jobId]);
    const charged = await env.pool.query<{ n: number }>(`select count(*)::int as n from ledger where job_id = $1 and status = 'settled'`, [extract[0]!.jobId]);
    expect((await listResults(ctx, { kind: 'extract' })).results[0]!.reasoningTokens).toBe(17 * charged.rows[0]!.n);
    expect(extract[0]!.json).toMatchObject({ vendor: expect.any(String), total: expect.any(Number) });
    await expect(listResults(ctx, { kind: 'poem' })).rejects.toThrow('--kind "poem" is not a job kind');

    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    expect(await exportResults(ctx, out)).toBe(3);
    const lines = chunks.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as { jobId: string; costMicros: number; createdAt: string });
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.createdAt)).toEqual([...lines.map((l) => l.createdAt)].sort());
    const { rows: sum } = await env.pool.query<{ total: string }>('select sum(cost_micros) as total from results');
    expect(lines.reduce((s, l) => s + l.costMicros, 0)).toBe(Number(sum[0]!.total));

    // Age one job's result and document by 40 days.
    const old = lines[0]!.jobId;
    await env.pool.query(`update results set created_at = now() - interval '40 days' where job_id = $1`, [old]);
    await env.pool.query(`update jobs set finished_at = now() - interval '40 days' where job_id = $1`, [old]);
    const dry = await pruneResults(ctx, { olderThan: '30d', dryRun: true });
    expect(dry).toMatchObject({ olderThan: '30d', dryRun: true, resultsDeleted: 1, payloadsCleared: 1 });
    expect((await listResults(ctx)).total).toBe(3);
    const pruned = await pruneResults(ctx, { olderThan: '30d' });
    expect(pruned).toMatchObject({ dryRun: false, resultsDeleted: 1, payloadsCleared: 1 });
    expect(Date.parse(pruned.cutoff)).toBeLessThan(Date.now() - 29 * 86_400_000);
    expect((await listResults(ctx)).total).toBe(2);
    const { rows } = await env.pool.query<{ payload: unknown; status: string }>('select payload, status from jobs where job_id = $1', [old]);
    expect(rows).toEqual([{ payload: null, status: 'completed' }]);
    // The ledger, the record of what was spent, stays.
    const { rows: calls } = await env.pool.query<{ n: number }>('select count(*)::int as n from ledger where job_id = $1', [old]);
    expect(calls[0]!.n).toBeGreaterThan(0);
    await expect(pruneResults(ctx, { olderThan: '30 days' })).rejects.toThrow('--older-than "30 days" is not an age');
  });
});

describe('the frugal command line', () => {
  const run = promisify(execFile);
  const cli = (args: string[]) =>
    run(process.execPath, ['bin/frugal.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, LOG_LEVEL: 'silent', NO_COLOR: '1' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('ends bad input with one line on stderr naming the problem and the fix, and a non-zero exit', async () => {
    const [date, age, job, json] = await Promise.all([
      cli(['report', '--date', '2026-13-01']),
      cli(['results', 'prune', '--older-than', '30x']),
      cli(['jobs', 'retry', 'no-such-job']),
      cli(['status', '--json']),
    ]);
    expect(date).toMatchObject({ code: 1, stdout: '', stderr: 'frugal: --date "2026-13-01" is not a date — give a calendar day as YYYY-MM-DD (e.g. 2026-11-24), or today or yesterday\n' });
    expect(age.code).toBe(1);
    expect(age.stderr).toBe('frugal: --older-than "30x" is not an age — give a number and a unit (s, m, h, d or w), e.g. --older-than 30d\n');
    expect(job.code).toBe(1);
    expect(job.stderr).toMatch(/^frugal: no job with id "no-such-job" — .+\n$/);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { queue: { name: string }; providers: unknown[] };
    expect(parsed.queue.name).toBe('intake');
    expect(parsed.providers).toHaveLength(5);
  });

  it('gives every command --help, and --json to every command that reports', () => {
    const all: Command[] = [];
    const walk = (command: Command) => {
      for (const sub of command.commands) {
        all.push(sub);
        walk(sub);
      }
    };
    walk(buildProgram());
    for (const command of all) expect(command.description(), command.name()).not.toBe('');
    const path = (c: Command): string => (c.parent && c.parent.name() !== 'frugal' ? `${path(c.parent)} ${c.name()}` : c.name());
    const withJson = all.filter((c) => c.options.some((o) => o.long === '--json')).map(path);
    for (const name of ['status', 'spend', 'queue pause', 'queue resume', 'jobs failed', 'jobs retry', 'jobs cancel', 'results', 'results export', 'results prune', 'report', 'schedule report', 'schedule list', 'schedule remove', 'demo']) {
      expect(withJson).toContain(name);
    }
  });
});
