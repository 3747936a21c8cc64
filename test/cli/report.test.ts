import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger, newCallId } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import type { ReserveRequest } from '../../src/budget/types.js';
import { CliContext } from '../../src/cli/context.js';
import { runReport } from '../../src/cli/commands/report.js';
import { collectSpend } from '../../src/cli/commands/spend.js';
import { jobs } from '../../src/db/schema/jobs.js';
import { InputError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { gatherReportFigures } from '../../src/reports/gather-report-figures.js';
import { ReportRunner, summaryFacts } from '../../src/reports/report-runner.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
const catalog = loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' });
const DAY = '2026-03-10';
const at = (iso: string) => new Date(iso);
let outDir: string;

/**
 * A day of known calls, made through the real ledger with its clock set to 2026-03-10 (UTC):
 *   a) summarize on llama-3.1-8b, budget team:       10,000 in / 2,000 out → 500 + 160 = 660 µ$ (estimated 700)
 *   b) extract on claude-haiku, budgets team + ops:   4,000 in / 1,000 out (600 of it thinking) → 400 + 500 = 900 µ$ (estimated 1,000)
 *   c) classify on claude-haiku, no budget:             300 in /    10 out →  30 +   5 =  35 µ$ (estimated 40)
 *   d) summarize released (never happened), e) summarize still reserved, f) a call the next day: none count.
 * On claude-haiku (the premium model for every kind) a) would cost 1,000 + 1,000 = 2,000 µ$.
 */
async function seed(): Promise<void> {
  const store = new BudgetStore(env.pool);
  await store.set({ name: 'team', limitMicros: 10_000_000, period: 'day', tz: 'UTC' });
  await store.set({ name: 'ops', limitMicros: 1_500, period: 'day', tz: 'UTC', thresholds: [50, 100] });
  const call = async (when: string, request: Omit<ReserveRequest, 'callId'>, outcome: { input: number; output: number; cost: number; reasoning?: number } | 'release' | 'open') => {
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall', now: () => at(when), logger: createLogger('silent') });
    const callId = newCallId();
    const reserved = await ledger.reserve({ ...request, callId });
    expect(reserved.ok).toBe(true);
    if (outcome === 'release') await ledger.release(callId, 'test');
    else if (outcome !== 'open') await ledger.settle(callId, { costMicros: outcome.cost, usage: { inputTokens: outcome.input, cachedInputTokens: 0, outputTokens: outcome.output, ...(outcome.reasoning === undefined ? {} : { reasoningTokens: outcome.reasoning }) } });
  };
  const base = { attempt: 0, seq: 0 };
  await call(`${DAY}T08:00:00Z`, { ...base, jobId: 'job-a', kind: 'summarize', model: 'llama-3.1-8b', provider: 'groq', budgetNames: ['team'], maxCostMicros: 2_000, estCostMicros: 700 }, { input: 10_000, output: 2_000, cost: 660 });
  await call(`${DAY}T09:00:00Z`, { ...base, jobId: 'job-b', kind: 'extract', model: 'claude-haiku', provider: 'anthropic', budgetNames: ['team', 'ops'], maxCostMicros: 1_200, estCostMicros: 1_000 }, { input: 4_000, output: 1_000, cost: 900, reasoning: 600 });
  await call(`${DAY}T10:00:00Z`, { ...base, jobId: 'job-c', kind: 'classify', model: 'claude-haiku', provider: 'anthropic', maxCostMicros: 100, estCostMicros: 40 }, { input: 300, output: 10, cost: 35 });
  await call(`${DAY}T11:00:00Z`, { ...base, jobId: 'job-d', kind: 'summarize', model: 'llama-3.1-8b', provider: 'groq', budgetNames: ['team'], maxCostMicros: 500, estCostMicros: 300 }, 'release');
  await call(`${DAY}T12:00:00Z`, { ...base, jobId: 'job-e', kind: 'summarize', model: 'llama-3.1-8b', provider: 'groq', budgetNames: ['team'], maxCostMicros: 500, estCostMicros: 300 }, 'open');
  await call('2026-03-11T00:30:00Z', { ...base, jobId: 'job-f', kind: 'summarize', model: 'llama-3.1-8b', provider: 'groq', budgetNames: ['team'], maxCostMicros: 2_000, estCostMicros: 700 }, { input: 1_000, output: 100, cost: 58 });

  const finished = (id: string, kind: string, status: 'completed' | 'failed', when: string, parentId: string | null = null) => ({
    jobId: id,
    kind,
    tier: 'standard',
    status,
    parentId,
    finishedAt: at(when),
    updatedAt: at(when),
  });
  await env.db.insert(jobs).values([
    finished('job-a', 'summarize', 'completed', `${DAY}T08:00:01Z`),
    finished('job-b', 'extract', 'completed', `${DAY}T09:00:01Z`),
    finished('job-c', 'classify', 'failed', `${DAY}T10:00:01Z`),
    finished('job-a-L0-0000', 'summarize', 'completed', `${DAY}T07:59:00Z`, 'job-a'),
    finished('job-f', 'summarize', 'completed', '2026-03-11T00:30:01Z'),
    { jobId: 'job-w', kind: 'summarize', tier: 'basic', status: 'waiting_budget', waitingBudget: 'team' },
  ]);
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'frugal-report-'));
  await seed();
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe("a day's report figures", () => {
  it('sums spend by budget, model and kind to the exact micro-dollar, counting only settled calls of that day', async () => {
    const f = await gatherReportFigures(env.pool, catalog, DAY, 'UTC');
    expect(f.from).toBe('2026-03-10T00:00:00.000Z');
    expect(f.to).toBe('2026-03-11T00:00:00.000Z');
    expect(f.spend.totalMicros).toBe(1_595);
    expect(f.spend.calls).toBe(3);
    expect(f.spend.byBudget.map((r) => [r.key, r.spentMicros, r.calls])).toEqual([
      ['team', 1_560, 2],
      ['ops', 900, 1],
      ['(none)', 35, 1],
    ]);
    expect(f.spend.byModel.map((r) => [r.key, r.spentMicros, r.calls, r.inputTokens, r.outputTokens, r.reasoningTokens])).toEqual([
      ['claude-haiku', 935, 2, 4_300, 1_010, 600],
      ['llama-3.1-8b', 660, 1, 10_000, 2_000, 0],
    ]);
    expect(f.spend.byKind.map((r) => [r.key, r.spentMicros])).toEqual([
      ['extract', 900],
      ['summarize', 660],
      ['classify', 35],
    ]);
  });

  it('compares estimated with actual cost and re-prices the same usage on the premium model', async () => {
    const f = await gatherReportFigures(env.pool, catalog, DAY, 'UTC');
    expect(f.estimate).toMatchObject({ calls: 3, estimatedMicros: 1_740, actualMicros: 1_595, errorPercent: -8.3 });
    expect(f.estimate.byModel).toEqual([
      { model: 'claude-haiku', calls: 2, estimatedMicros: 1_040, actualMicros: 935, errorPercent: -10.1 },
      { model: 'llama-3.1-8b', calls: 1, estimatedMicros: 700, actualMicros: 660, errorPercent: -5.7 },
    ]);
    expect(f.premium).toEqual({
      equivalentMicros: 2_935,
      actualMicros: 1_595,
      savingMicros: 1_340,
      savingPercent: 45.7,
      byKind: [
        { kind: 'classify', premiumModel: 'claude-haiku', actualMicros: 35, equivalentMicros: 35 },
        { kind: 'extract', premiumModel: 'claude-haiku', actualMicros: 900, equivalentMicros: 900 },
        { kind: 'summarize', premiumModel: 'claude-haiku', actualMicros: 660, equivalentMicros: 2_000 },
      ],
    });
  });

  it('counts finished jobs apart from the parts of long documents, and lists the alerts raised that day', async () => {
    const f = await gatherReportFigures(env.pool, catalog, DAY, 'UTC');
    expect(f.jobs).toEqual({
      completed: 2,
      failed: 1,
      cancelled: 0,
      waitingForBudget: 1,
      partsCompleted: 1,
      byKind: [
        { kind: 'classify', completed: 0, failed: 1 },
        { kind: 'extract', completed: 1, failed: 0 },
        { kind: 'summarize', completed: 1, failed: 0 },
      ],
    });
    expect(f.alerts).toEqual([{ budgetName: 'ops', threshold: 50, spentMicros: 900, limitMicros: 1_500, hard: true, createdAt: '2026-03-10T09:00:00.000Z' }]);
  });

  it('moves the day with the time zone: in Asia/Tokyo the next day begins at 15:00 UTC', async () => {
    const f = await gatherReportFigures(env.pool, catalog, '2026-03-11', 'Asia/Tokyo');
    expect(f.from).toBe('2026-03-10T15:00:00.000Z');
    // Only the 00:30 UTC call of the 11th falls in Tokyo's 11 March.
    expect(f.spend.totalMicros).toBe(58);
  });
});

describe('frugal report', () => {
  it('stores one row per day and writes the Markdown with the chart embedded; running it again replaces both', async () => {
    const runner = new ReportRunner({ db: env.db, pool: env.pool, catalog });
    const first = await runner.run({ date: DAY, tz: 'UTC', outDir, summary: false });
    expect(first.filePath).toBe(join(outDir, `frugal-report-${DAY}.md`));
    const markdown = readFileSync(first.filePath!, 'utf8');
    expect(markdown).toContain('# frugal daily report — 2026-03-10 (UTC)');
    expect(markdown).toContain('**Spent:** $0.001595 on 3 calls.');
    expect(markdown).toContain('routing saved $0.00134 (45.7%)');
    expect(markdown).toContain('| team | $0.00156 | 2 | 14,000 | 3,000 | 600 |');
    expect(markdown).toMatch(/!\[Spend by model and by job kind\]\(data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+\)/);
    const svg = Buffer.from(/base64,([A-Za-z0-9+/=]+)\)/.exec(markdown)![1]!, 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('claude-haiku');
    expect(svg).toContain('$0.000935');
    expect(first.chartSvg).toBe(svg);

    const second = await runner.run({ date: DAY, tz: 'UTC', outDir, summary: false, trigger: 'again' });
    expect(second.id).toBe(first.id);
    const { rows } = await env.pool.query<{ n: number; trigger: string; figures: { spend: { totalMicros: number } } }>(
      `select count(*) over ()::int as n, trigger, figures from reports where day = $1`,
      [DAY],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ n: 1, trigger: 'again', figures: { spend: { totalMicros: 1_595 } } });
    expect(existsSync(`${first.filePath}.${process.pid}.partial`)).toBe(false);
  });

  it('writes the report without a summary, saying why, when no provider is configured', async () => {
    const ctx = new CliContext(env.config);
    try {
      const result = await runReport(ctx, { date: DAY, tz: 'UTC', out: outDir });
      expect(result).toMatchObject({ date: DAY, tz: 'UTC', ranWorker: false, filePath: join(outDir, `frugal-report-${DAY}.md`) });
      expect(result.summary).toMatchObject({ status: 'skipped', jobId: null, reason: 'no provider is configured (set an API key, or FRUGAL_SIM_URL for the simulator)' });
      expect(readFileSync(result.filePath!, 'utf8')).toContain('_No executive summary: no provider is configured');
      // No doomed job was left behind.
      const { rows } = await env.pool.query<{ n: number }>(`select count(*)::int as n from jobs where kind = 'report'`);
      expect(rows[0]!.n).toBe(0);
      await expect(runReport(ctx, { date: DAY, tz: 'UTC', out: outDir, budgets: ['nope'] })).rejects.toThrow('no budget named "nope"');
    } finally {
      await ctx.close();
    }
  });

  it('refuses a date that is not a calendar day, naming the flag', async () => {
    const runner = new ReportRunner({ db: env.db, pool: env.pool, catalog });
    await expect(runner.run({ date: '2026-02-30', tz: 'UTC', outDir: null, summary: false })).rejects.toThrow(InputError);
    await expect(runner.run({ date: '2026-02-30', tz: 'UTC', outDir: null, summary: false })).rejects.toThrow('--date "2026-02-30" is not a date');
    await expect(runner.run({ date: DAY, tz: 'Mars/Olympus', outDir: null, summary: false })).rejects.toThrow('--tz "Mars/Olympus" is not a known time zone');
  });
});

describe('frugal spend --json', () => {
  it('groups a range of days by budget, model, kind or day with exact sums', async () => {
    const ctx = new CliContext(env.config);
    try {
      const byBudget = await collectSpend(ctx, { since: DAY, until: DAY, by: 'budget', tz: 'UTC' });
      expect(byBudget).toMatchObject({ since: DAY, until: DAY, tz: 'UTC', by: 'budget', totalMicros: 1_595, calls: 3 });
      expect(byBudget.rows.map((r) => [r.key, r.spentMicros])).toEqual([
        ['team', 1_560],
        ['ops', 900],
        ['(none)', 35],
      ]);
      const byDay = await collectSpend(ctx, { since: DAY, until: '2026-03-11', by: 'day', tz: 'UTC' });
      expect(byDay.totalMicros).toBe(1_653);
      expect(byDay.rows).toEqual([
        { key: '2026-03-10', spentMicros: 1_595, calls: 3, inputTokens: 14_300, outputTokens: 3_010, reasoningTokens: 600 },
        { key: '2026-03-11', spentMicros: 58, calls: 1, inputTokens: 1_000, outputTokens: 100, reasoningTokens: 0 },
      ]);
      const byKind = await collectSpend(ctx, { since: '2026-03-11', until: '2026-03-11', by: 'kind', tz: 'UTC' });
      expect(byKind.rows.map((r) => [r.key, r.spentMicros])).toEqual([['summarize', 58]]);
    } finally {
      await ctx.close();
    }
  });

  it('refuses an unknown grouping and a range that ends before it begins', async () => {
    const ctx = new CliContext(env.config);
    try {
      await expect(collectSpend(ctx, { by: 'colour' })).rejects.toThrow('--by "colour" is not a grouping');
      await expect(collectSpend(ctx, { since: '2026-03-11', until: '2026-03-10', tz: 'UTC' })).rejects.toThrow('--until 2026-03-10 is before --since 2026-03-11');
      await expect(collectSpend(ctx, { since: 'last tuesday' })).rejects.toThrow('--since "last tuesday" is not a date');
    } finally {
      await ctx.close();
    }
  });
});

describe('report runs that would pay for nothing new', () => {
  const runner = () => new ReportRunner({ db: env.db, pool: env.pool, catalog });

  it('refuses a future date before gathering or paying for anything', async () => {
    await expect(runner().run({ date: '2030-01-02', tz: 'UTC', outDir: null })).rejects.toThrow(InputError);
    await expect(runner().run({ date: '2030-01-02', tz: 'UTC', outDir: null })).rejects.toThrow(/--date 2030-01-02 is in the future \(today is \d{4}-\d\d-\d\d in UTC\)/);
    const { rows } = await env.pool.query<{ n: number }>(`select count(*)::int as n from reports where day = '2030-01-02'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('writes no LLM summary for a day with no activity, saying why', async () => {
    // No producer: asking for a summary would throw.
    const outcome = await runner().run({ date: '2026-02-01', tz: 'UTC', outDir: null });
    expect(outcome.summary).toMatchObject({ status: 'skipped', jobId: null, costMicros: 0, reason: expect.stringMatching(/nothing happened that day/) });
    expect(outcome.markdown).toContain('nothing happened that day');
  });

  it("leaves the report's own summary calls out of the figures its summary is asked on, so a second run asks the same job", async () => {
    const day = '2026-03-05';
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall', now: () => at(`${day}T09:00:00Z`), logger: createLogger('silent') });
    const spend = async (jobId: string, kind: 'summarize' | 'report', cost: number) => {
      const callId = newCallId();
      await ledger.reserve({ callId, jobId, attempt: 0, seq: 0, kind, model: 'claude-haiku', provider: 'anthropic', maxCostMicros: 10_000, estCostMicros: cost });
      await ledger.settle(callId, { costMicros: cost, usage: { inputTokens: 100, cachedInputTokens: 0, outputTokens: 10 } });
    };
    await spend('work-1', 'summarize', 700);
    await env.db.insert(jobs).values({ jobId: 'work-1', kind: 'summarize', tier: 'basic', status: 'completed', finishedAt: at(`${day}T09:00:01Z`), updatedAt: at(`${day}T09:00:01Z`) });
    const before = await gatherReportFigures(env.pool, catalog, day, 'UTC', { withoutReportSummaries: true });

    // The first run's summary: a report job, completed and paid for on the same day.
    await env.db.insert(jobs).values({
      jobId: 'summary-1',
      kind: 'report',
      tier: 'standard',
      status: 'completed',
      payload: { title: `frugal daily report — ${day} (UTC)`, data: 'facts' },
      finishedAt: at(`${day}T09:05:00Z`),
      updatedAt: at(`${day}T09:05:00Z`),
    });
    await spend('summary-1', 'report', 300);

    const after = await gatherReportFigures(env.pool, catalog, day, 'UTC', { withoutReportSummaries: true });
    expect(summaryFacts(after)).toBe(summaryFacts(before));
    expect(after.spend.totalMicros).toBe(700);
    // The report itself still shows every dollar spent that day, its summaries included.
    const shown = await gatherReportFigures(env.pool, catalog, day, 'UTC');
    expect(shown.spend.totalMicros).toBe(1_000);
    expect(shown.jobs.completed).toBe(2);
  });
});
