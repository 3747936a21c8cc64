import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { createDashboardApp } from '../../src/dashboard/create-dashboard-app.js';
import { DashboardAccess, SESSION_COOKIE } from '../../src/dashboard/dashboard-access.js';
import { DashboardData } from '../../src/dashboard/dashboard-data.js';
import { DashboardStartError } from '../../src/dashboard/dashboard-error.js';
import { GlobalMetrics } from '../../src/dashboard/global-metrics.js';
import { serveWorkerMetrics } from '../../src/dashboard/serve-worker-metrics.js';
import { startDashboard } from '../../src/dashboard/start-dashboard.js';
import { WorkerMetrics } from '../../src/dashboard/worker-metrics.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { useTestEnv } from '../support/env.js';
import { parseMetrics, value } from './metrics-text.js';

const env = useTestEnv();
const TOKEN = 'test-token-0123456789abcdef';
const BASE = 'http://127.0.0.1:3000';
let data: DashboardData;
type App = Awaited<ReturnType<typeof createDashboardApp>>;
let local: App;
let localNoToken: App;
let exposed: App;
let session: string;

async function app(host: string, token: string | undefined): Promise<App> {
  const access = new DashboardAccess(host, 3000, token);
  return createDashboardApp(data, access, new GlobalMetrics(data), { tz: 'UTC', source: 'test' });
}

const get = (target: App, path: string, headers: Record<string, string> = {}) => target.request(`${BASE}${path}`, { headers: { host: '127.0.0.1:3000', ...headers } });
const post = (target: App, path: string, headers: Record<string, string> = {}, body?: string) =>
  target.request(`${BASE}${path}`, { method: 'POST', headers: { host: '127.0.0.1:3000', ...headers }, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  data = new DashboardData(env.config);
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 25_000_000, period: 'day', tz: 'Europe/Berlin' });
  local = await app('127.0.0.1', TOKEN);
  localNoToken = await app('127.0.0.1', undefined);
  exposed = await app('0.0.0.0', TOKEN);
  session = new DashboardAccess('127.0.0.1', 3000, TOKEN).sessionValue();
});

afterAll(async () => {
  await data.close();
});

describe('who may read and act', () => {
  it('refuses to start on 0.0.0.0 without a token, naming the variable to set', async () => {
    const started = startDashboard(env.config, { host: '0.0.0.0', port: 0 });
    await expect(started).rejects.toBeInstanceOf(DashboardStartError);
    await expect(started).rejects.toMatchObject({ code: 'DASHBOARD_TOKEN_REQUIRED', hint: expect.stringContaining('FRUGAL_DASHBOARD_TOKEN') });
  });

  it('refuses a token shorter than 16 characters', async () => {
    await expect(startDashboard(env.config, { port: 0, token: 'short' })).rejects.toMatchObject({ code: 'DASHBOARD_TOKEN_WEAK' });
  });

  it('serves pages on loopback without a token but turns away a foreign Host header (DNS rebinding)', async () => {
    expect((await get(local, '/')).status).toBe(200);
    expect((await get(local, '/', { host: 'localhost:3000' })).status).toBe(200);
    const rebound = await get(local, '/', { host: 'attacker.example:3000' });
    expect(rebound.status).toBe(403);
    expect(await rebound.text()).toContain('is not this dashboard');
  });

  it('needs the token for every page but the health checks on another address', async () => {
    expect((await get(exposed, '/', { host: 'frugal.internal:3000' })).status).toBe(401);
    expect((await get(exposed, '/metrics', { host: 'frugal.internal:3000' })).status).toBe(401);
    expect((await get(exposed, '/queues/api/queues', { host: 'frugal.internal:3000' })).status).toBe(401);
    const browser = await get(exposed, '/spend', { host: 'frugal.internal:3000', accept: 'text/html' });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('location')).toBe('/login?next=%2Fspend');
    expect((await get(exposed, '/healthz', { host: 'frugal.internal:3000' })).status).toBe(200);
    expect((await get(exposed, '/readyz', { host: 'frugal.internal:3000' })).status).toBe(200);
    expect((await get(exposed, '/', { host: 'frugal.internal:3000', authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(exposed, '/', { host: 'frugal.internal:3000', authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
  });

  it('refuses an action without the token: 401 when one is configured, 403 when none is', async () => {
    const queue = createIntakeQueue(env.redis, env.prefix);
    try {
      expect((await post(local, '/queue/pause', { origin: BASE })).status).toBe(401);
      expect((await post(localNoToken, '/queue/pause', { origin: BASE })).status).toBe(403);
      expect((await post(local, '/jobs/some-job/retry', { origin: BASE })).status).toBe(401);
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
    }
  });

  it('refuses a cross-origin POST that carries a valid cookie, and accepts the same POST from its own pages', async () => {
    const queue = createIntakeQueue(env.redis, env.prefix);
    try {
      const cookie = `${SESSION_COOKIE}=${session}`;
      const crossSite = await post(local, '/queue/pause', { cookie, origin: 'https://attacker.example' });
      expect(crossSite.status).toBe(403);
      expect((await post(local, '/queue/pause', { cookie })).status).toBe(403); // no Origin at all
      expect(await queue.isPaused()).toBe(false);
      const own = await post(local, '/queue/pause', { cookie, origin: BASE });
      expect(own.status).toBe(303);
      expect(await queue.isPaused()).toBe(true);
      const api = await post(local, '/queue/resume', { authorization: `Bearer ${TOKEN}` });
      expect(api.status).toBe(200);
      expect(await api.json()).toEqual({ paused: false });
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.resume();
      await queue.close();
    }
  });

  it('cancels a queued job through frugal\'s job control when the request carries the token', async () => {
    const { openProducer } = await import('../../src/queue/open-producer.js');
    const { parseJobSpec } = await import('../../src/jobs/job-spec.js');
    const producer = await openProducer(env.config);
    try {
      const [queued] = await producer.producer.enqueue([parseJobSpec({ kind: 'summarize', tier: 'basic', budgets: ['team'], payload: { text: 'A note to cancel.' } })]);
      const jobId = queued!.jobId;
      expect((await post(local, `/jobs/${jobId}/cancel`, { origin: BASE })).status).toBe(401);
      const cancelled = await post(local, `/jobs/${jobId}/cancel`, { authorization: `Bearer ${TOKEN}` });
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ jobId, cancelledJobs: 1, releasedCalls: 0 });
      const { rows } = await env.pool.query<{ status: string }>('select status from jobs where job_id = $1', [jobId]);
      expect(rows[0]!.status).toBe('cancelled');
      const again = await post(local, `/jobs/${jobId}/cancel`, { authorization: `Bearer ${TOKEN}`, accept: 'text/html' });
      expect(again.status).toBe(409);
      expect(await again.text()).toContain('is already cancelled');
    } finally {
      await producer.close();
    }
  });

  it('signs a browser in with the form: an HttpOnly, SameSite=Strict cookie that is not the token', async () => {
    const form = (token: string) => new URLSearchParams({ token, next: '/jobs' }).toString();
    const headers = { origin: BASE, 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await post(local, '/login', headers, form('not-the-token-at-all'));
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get('location')).toContain('/login?failed');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await post(local, '/login', headers, form(TOKEN));
    expect(right.headers.get('location')).toBe('/jobs');
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toContain(`${SESSION_COOKIE}=${session}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const offsite = await post(local, '/login', headers, new URLSearchParams({ token: TOKEN, next: '//attacker.example/' }).toString());
    expect(offsite.headers.get('location')).toBe('/');
  });

  it('keeps Bull Board read-only even for a signed-in user', async () => {
    const retry = await post(local, '/queues/api/queues/intake/retry/failed', { authorization: `Bearer ${TOKEN}` });
    expect(retry.status).toBe(405);
    const queues = await get(local, '/queues/api/queues');
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['intake', 'reports']);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('sets a script-free CSP on its pages and the usual security headers', async () => {
    const page = await get(local, '/');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).not.toContain('script-src');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).not.toContain('<script');
  });
});

describe('escaping', () => {
  it('renders a report whose summary holds <script> as text, and raw HTML in Markdown as text', async () => {
    const { rows } = await env.pool.query<{ id: number }>(
      `insert into reports (day, tz, title, figures, markdown, chart_svg) values ('2026-03-10', 'UTC', $1, '{}', $2, '<svg xmlns="http://www.w3.org/2000/svg"></svg>') returning id`,
      ['Report <b>2026-03-10</b>', '# Daily report\n\n## Executive summary\n\nSpend was fine. <script>alert("x")</script> **Bold** <img src=x onerror=alert(1)>\n\n![Spend by model and by job kind](data:image/svg+xml;base64,PHN2Zz4=)\n'],
    );
    const id = rows[0]!.id;
    const page = await (await get(local, `/reports/${id}`)).text();
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<strong>Bold</strong>');
    expect(page).toContain(`<img src="/reports/${id}/chart.svg"`);
    expect(page).toContain('Report &lt;b&gt;2026-03-10&lt;/b&gt;');
    expect(page).not.toMatch(/<script|<img src=x/);
    const chart = await get(local, `/reports/${id}/chart.svg`);
    expect(chart.headers.get('content-type')).toContain('image/svg+xml');
  });

  it('shows an answer written by an LLM as text on the job page', async () => {
    await env.pool.query(`insert into jobs (job_id, kind, tier, status, payload) values ('job-xss', 'summarize', 'basic', 'completed', '{"text":"t","source":"<b>doc</b>.txt"}')`);
    await env.pool.query(`insert into results (job_id, kind, model, output_text, cost_micros, calls) values ('job-xss', 'summarize', 'llama-3.1-8b', '<script>steal()</script> fine', 12, 1)`);
    const page = await (await get(local, '/jobs/job-xss')).text();
    expect(page).toContain('&lt;script&gt;steal()&lt;/script&gt; fine');
    expect(page).toContain('&lt;b&gt;doc&lt;/b&gt;.txt');
    expect(page).not.toContain('<script');
    expect((await get(local, '/jobs/no-such-job')).status).toBe(404);
    const planted = await (await get(local, '/jobs/job-xss?done=Your+session+expired,+call+us')).text();
    expect(planted).not.toContain('call us');
  });
});

describe('metrics and health', () => {
  it('serves the global gauges with their exact names, refreshed at most every 10 s', async () => {
    const scrape = await get(local, '/metrics');
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const exposition = await scrape.text();
    const samples = parseMetrics(exposition);
    const declared = [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(declared.sort()).toEqual(
      ['frugal_budget_limit_micros', 'frugal_budget_reserved_micros', 'frugal_budget_spent_micros', 'frugal_jobs_waiting_budget', 'frugal_provider_up', 'frugal_queue_jobs'].map((n) => `${n} gauge`),
    );
    expect(value(samples, 'frugal_budget_limit_micros', { budget: 'team' })).toBe(25_000_000);
    expect(value(samples, 'frugal_budget_spent_micros', { budget: 'team' })).toBe(0);
    expect(value(samples, 'frugal_queue_jobs', { queue: 'intake', state: 'waiting' })).toBe(0);
    expect(value(samples, 'frugal_provider_up', { provider: 'groq', state: 'unconfigured' })).toBe(1);
    expect(value(samples, 'frugal_provider_up', { provider: 'groq', state: 'ok' })).toBe(0);
    expect(samples.every((s) => !('job' in s.labels) && !('jobId' in s.labels) && !('job_id' in s.labels))).toBe(true);

    // A change within 10 s of the last refresh shows at the next refresh, not at once.
    await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 30_000_000 });
    const cached = parseMetrics(await (await get(local, '/metrics')).text());
    expect(value(cached, 'frugal_budget_limit_micros', { budget: 'team' })).toBe(25_000_000);
    const fresh = new GlobalMetrics(data, { minRefreshMs: 0 });
    expect(value(parseMetrics(await fresh.metrics()), 'frugal_budget_limit_micros', { budget: 'team' })).toBe(30_000_000);
  });

  it('says which service is down in /readyz', async () => {
    expect(await (await get(local, '/readyz')).text()).toBe('ready\n');
    const broken = new DashboardData({ ...env.config, redisUrl: 'redis://127.0.0.1:1' });
    try {
      const app = await createDashboardApp(broken, new DashboardAccess('127.0.0.1', 3000, undefined), new GlobalMetrics(broken), { tz: 'UTC', source: 'x' }).catch((e: unknown) => e);
      expect(app).toBeInstanceOf(Error); // the Bull Board queues need Redis at start
      expect(await broken.ready()).toEqual({ redis: false, postgres: true });
    } finally {
      await broken.close();
    }
  });

  it('refuses a worker metrics port that is taken, naming it, and reports the worker unready until it has started', async () => {
    const metrics = new WorkerMetrics();
    const first = await serveWorkerMetrics(metrics, { port: 0 });
    try {
      const second = serveWorkerMetrics(metrics, { port: first.port });
      await expect(second).rejects.toMatchObject({ code: 'DASHBOARD_PORT_TAKEN', message: expect.stringContaining(`127.0.0.1:${first.port}`) });
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      const starting = await fetch(`${first.url}/readyz`);
      expect(starting.status).toBe(503);
      expect(await starting.text()).toBe('not ready: redis and postgres not answering\n');
      first.setReady(async () => ({ redis: true, postgres: true }));
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      metrics.callFinished({ provider: 'groq', model: 'llama-3.1-8b', mode: 'sync', outcome: 'rate_limited', seconds: 0.2 });
      const samples = parseMetrics(await (await fetch(`${first.url}/metrics`)).text());
      expect(value(samples, 'frugal_calls_total', { provider: 'groq', model: 'llama-3.1-8b', mode: 'sync', outcome: 'rate_limited' })).toBe(1);
      expect(value(samples, 'frugal_call_duration_seconds_bucket', { provider: 'groq', le: '0.25' })).toBe(1);
    } finally {
      await first.close();
    }
  });
});

describe('frugal dashboard', () => {
  it('has --help with its flags, and --demo reads the demo\'s database and queue prefix', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    const { demoConfig } = await import('../../src/cli/commands/dashboard.js');
    const command = buildProgram().commands.find((c) => c.name() === 'dashboard')!;
    expect(command.options.map((o) => o.long)).toEqual(['--port', '--host', '--tz', '--demo']);
    expect(command.helpInformation()).toContain('FRUGAL_DASHBOARD_TOKEN');
    const demo = demoConfig(env.config);
    expect(new URL(demo.databaseUrl).pathname).toBe('/frugal_demo');
    expect(demo.queuePrefix).toBe('frugal-demo');
  });
});
