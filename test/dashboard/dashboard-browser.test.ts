import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/budget/alert-store.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { CliContext } from '../../src/cli/context.js';
import { statusJson } from '../../src/cli/commands/budget.js';
import { collectSpend } from '../../src/cli/commands/spend.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/start-dashboard.js';
import { WorkerMetrics } from '../../src/dashboard/worker-metrics.js';
import { parseJobSpec, type JobSpec } from '../../src/jobs/job-spec.js';
import { formatDollars } from '../../src/pricing/money.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { parseMetrics, value } from './metrics-text.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-test-token-0123456789';
const CORPUS = new URL('../../examples/corpus/', import.meta.url);
const env = useTestEnv();
const workerMetrics = new WorkerMetrics();
const pipe = usePipeline(env, { worker: { metrics: workerMetrics } });
const shots = mkdtempSync(join(tmpdir(), 'frugal-dashboard-shots-'));
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
let ctx: CliContext;
let failedJobId: string;

const invoice = parseJobSpec({
  kind: 'extract',
  tier: 'premium',
  budgets: ['team'],
  payload: { text: 'Invoice 7 from ACME Corp, total 7.50 EUR.', schema: { type: 'object', properties: { vendor: { type: 'string' }, total: { type: 'number' } }, required: ['vendor', 'total'] } },
});

async function statusOf(jobId: string): Promise<string | undefined> {
  const { rows } = await env.pool.query<{ status: string }>('select status from jobs where job_id = $1', [jobId]);
  return rows[0]?.status;
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  const budgets = new BudgetStore(env.pool);
  await budgets.set({ name: 'team', limitMicros: 5_000_000, period: 'day', tz: 'UTC' });
  // Soft and tiny: the day's work crosses every alert threshold without waiting for budget.
  await budgets.set({ name: 'ops', limitMicros: 300, period: 'day', tz: 'Europe/Berlin', hard: false });

  // A job that fails for good: every answer is malformed JSON while it runs.
  pipe.sim.configure({ models: { '*': { malformedJsonRate: 1 } } });
  try {
    const [outcome] = await pipe.producer.producer.enqueue([invoice]);
    failedJobId = outcome!.jobId;
    await waitFor(async () => (await statusOf(failedJobId)) === 'failed', { what: 'the extract job to fail', timeoutMs: 30_000 });
  } finally {
    pipe.sim.configure({ models: { '*': null } });
  }

  const documents = readdirSync(CORPUS).filter((f) => f.endsWith('.txt')).slice(0, 6);
  const specs: JobSpec[] = documents.map((file) =>
    parseJobSpec({ kind: 'summarize', tier: 'basic', budgets: ['team', 'ops'], payload: { text: readFileSync(new URL(file, CORPUS), 'utf8'), source: file } }),
  );
  specs.push(parseJobSpec({ kind: 'classify', tier: 'standard', budgets: ['team'], payload: { text: 'I was charged twice this month', labels: ['billing', 'bug', 'other'] } }));
  const outcomes = await pipe.producer.producer.enqueue(specs);
  await waitFor(async () => (await Promise.all(outcomes.map((o) => statusOf(o.jobId)))).every((s) => s === 'completed'), { what: 'the day\'s jobs to complete', timeoutMs: 60_000 });

  ctx = new CliContext(pipe.config);
  dashboard = await startDashboard(pipe.config, { port: 0, token: TOKEN, tz: 'UTC' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await ctx?.close();
  if (process.env.FRUGAL_DOCS_SCREENSHOTS) {
    mkdirSync('docs', { recursive: true });
    for (const name of ['dashboard-overview', 'dashboard-spend']) {
      if (existsSync(join(shots, `${name}.png`))) copyFileSync(join(shots, `${name}.png`), join('docs', `${name}.png`));
    }
  }
});

const text = async (selector: string) => (await page.locator(selector).first().textContent())?.trim();

describe('the dashboard in a browser, after a day of work on the simulator', () => {
  it('shows each budget on the Overview with the figures of `frugal budget list --json`', async () => {
    await page.goto(`${dashboard.url}/`);
    const listed = (await new BudgetStore(env.pool).list()).map(statusJson);
    expect(listed.map((b) => b.name).sort()).toEqual(['ops', 'team']);
    for (const b of listed) {
      expect(b.spentMicros).toBeGreaterThan(0);
      expect(await text(`tr[data-budget="${b.name}"] [data-field="spent"]`)).toBe(formatDollars(b.spentMicros));
      expect(await text(`tr[data-budget="${b.name}"] [data-field="reserved"]`)).toBe(formatDollars(b.reservedMicros));
      expect(await text(`tr[data-budget="${b.name}"] [data-field="limit"]`)).toBe(formatDollars(b.limitMicros));
      expect(await text(`tr[data-budget="${b.name}"] [data-field="remaining"]`)).toBe(formatDollars(b.remainingMicros));
    }
    // ops is in its own zone and crossed its thresholds: marked, and its alerts unacknowledged.
    expect(await text('tr[data-budget="ops"] td:nth-child(2)')).toContain('Europe/Berlin');
    expect(await text('tr[data-budget="ops"]')).toContain('100%✓');
    const unacked = await new AlertStore(env.pool).list({ unacknowledged: true });
    expect(unacked.length).toBeGreaterThanOrEqual(3);
    expect(await text('[data-field="unacked"]')).toBe(String(unacked.length));
    expect(await text('tr[data-provider="groq"]')).toContain('ok');
    await screenshot('dashboard-overview');
  });

  it('shows on the Spend page the figures of `frugal spend --json` by model, kind and budget, with the chart as an image', async () => {
    for (const by of ['model', 'kind', 'budget'] as const) {
      await page.goto(`${dashboard.url}/spend?by=${by}&tz=UTC`);
      const spend = await collectSpend(ctx, { by, tz: 'UTC' });
      expect(spend.rows.length).toBeGreaterThan(0);
      expect(await text('[data-field="total"]')).toBe(formatDollars(spend.totalMicros));
      expect(await text('[data-field="calls"]')).toBe(spend.calls.toLocaleString('en-US'));
      const shown = await page.locator('#spend-rows tr[data-key]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-key'), r.querySelector('[data-field="spent"]')?.textContent, r.querySelector('[data-field="calls"]')?.textContent]));
      expect(shown).toEqual(spend.rows.map((r) => [r.key, formatDollars(r.spentMicros), r.calls.toLocaleString('en-US')]));
      if (by === 'model') {
        const byDay = await collectSpend(ctx, { by: 'day', tz: 'UTC' });
        for (const day of byDay.rows) expect(await text(`#spend-days tr[data-day="${day.key}"] [data-field="spent"]`)).toBe(formatDollars(day.spentMicros));
        expect(await page.locator('#estimates tr[data-model]').count()).toBeGreaterThan(0);
        // The chart is an SVG served by the dashboard itself, allowed by the CSP and drawn.
        const drawn = await page.locator('img.chart').evaluate((element) => {
          const img = element as unknown as { decode(): Promise<void>; naturalWidth: number };
          return img.decode().then(() => img.naturalWidth);
        });
        expect(drawn).toBeGreaterThan(100);
        await screenshot('dashboard-spend');
      }
    }
  });

  it('counts each worker call and job in the worker\'s metrics', async () => {
    const samples = parseMetrics(await workerMetrics.registry.metrics());
    const settled = await env.pool.query<{ n: number }>(`select count(*)::int as n from ledger where status = 'settled'`);
    const okCalls = samples.filter((s) => s.name === 'frugal_calls_total' && s.labels.outcome === 'ok' && s.labels.mode === 'sync').reduce((sum, s) => sum + s.value, 0);
    expect(okCalls).toBe(settled.rows[0]!.n);
    const durations = samples.filter((s) => s.name === 'frugal_call_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
    expect(durations).toBe(samples.filter((s) => s.name === 'frugal_calls_total').reduce((sum, s) => sum + s.value, 0));
    expect(value(samples, 'frugal_jobs_total', { kind: 'extract', outcome: 'failed' })).toBe(1);
    expect(value(samples, 'frugal_jobs_total', { kind: 'classify', outcome: 'completed' })).toBe(1);
    expect(samples.some((s) => s.name === 'frugal_limiter_wait_seconds_count' && s.value > 0)).toBe(true);
    expect(samples.every((s) => Object.keys(s.labels).every((label) => ['kind', 'model', 'outcome', 'provider', 'mode', 'le'].includes(label)))).toBe(true);
  });

  it('retries a failed job from its page after signing in, and the job runs to completion', async () => {
    await page.goto(`${dashboard.url}/jobs?status=failed`);
    await page.click(`tr[data-job="${failedJobId}"] a`);
    expect(await text('[data-field="status"]')).toContain('failed');
    expect(await page.locator('#retry').count()).toBe(0); // not signed in: no actions offered
    await page.click('#sign-in');
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"].primary');
    await page.waitForURL(`**/jobs/${encodeURIComponent(failedJobId)}`);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'frugal_dashboard')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.click('#retry');
    await page.waitForURL(/done=/);
    expect(await text('#flash')).toBe('put back on the queue');
    await waitFor(async () => (await statusOf(failedJobId)) === 'completed', { what: 'the retried job to complete', timeoutMs: 30_000 });
    await page.reload();
    expect(await text('[data-field="status"]')).toMatch(/^completed/);
    expect(await page.locator('#route tr[data-model]').count()).toBeGreaterThan(1);
    expect(await page.locator('#calls tr').count()).toBeGreaterThan(1);
    expect(await text('#answer')).toContain('vendor');
    await screenshot('dashboard-job');
  }, 60_000);

  it('shows Bull Board read-only, the ratings in force, the provider batches and the reports', async () => {
    await page.goto(`${dashboard.url}/queues`);
    await page.getByText('intake').first().waitFor({ timeout: 20_000 });
    await screenshot('dashboard-queues');
    // No job of this day had a deadline: no provider batch, nothing held in one.
    await page.goto(`${dashboard.url}/batches`);
    expect(await text('#no-batches')).toMatch(/No open or recent provider batches/);
    expect(await text('[data-field="batch-reserved"]')).toBe('$0.00');
    // Ratings: a row per model and kind, in force from the catalog until an eval's ratings are applied.
    await page.goto(`${dashboard.url}/ratings`);
    const rows = await page.locator('#ratings tr[data-model]').count();
    expect(rows).toBeGreaterThanOrEqual(5 * 4);
    const inForce = await page.locator('#ratings [data-field="in-force"]').allTextContents();
    expect(inForce.every((t) => t.endsWith('(catalog)'))).toBe(true);
    await page.goto(`${dashboard.url}/reports`);
    expect(await text('main')).toContain('No stored reports yet');
  });
});
