import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDeliverer } from '../../src/budget/alert-deliverer.js';
import { AlertStore } from '../../src/budget/alert-store.js';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { checkBudgets } from '../../src/budget/check-budgets.js';
import type { RecordedAlert } from '../../src/budget/types.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { call, usage } from './helpers.js';

const env = useTestEnv();
const silent = pino({ level: 'silent' });

/** A local Slack stand-in: fails the first `failures` POSTs with HTTP 500, then accepts. */
class FakeWebhook {
  server!: Server;
  received: Array<{ path: string; body: unknown }> = [];
  failures = 0;

  async start(): Promise<void> {
    this.server = createServer(async (req: IncomingMessage, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      this.received.push({ path: req.url ?? '', body: JSON.parse(body) as unknown });
      if (this.failures > 0) {
        this.failures -= 1;
        res.writeHead(500).end('temporarily broken');
        return;
      }
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(secretPath: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${secretPath}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const hook = new FakeWebhook();
beforeAll(() => hook.start());
afterAll(() => hook.stop());

/** Delivers (to the log only) what earlier tests left pending, so a test sees only its own alerts. */
async function flushPending(): Promise<void> {
  await new AlertDeliverer(env.pool, { logger: silent }).deliverPending();
}

async function alertRows(budget: string) {
  const { rows } = await env.pool.query<{ threshold: number; delivery: string; attempts: number; last_error: string | null }>(
    `select threshold, delivery, attempts, last_error from budget_alerts where budget_name = $1 order by threshold`,
    [budget],
  );
  return rows;
}

describe('budget alerts', () => {
  it('records each threshold crossing exactly once per period, even when many workers cross it together', async () => {
    const store = new BudgetStore(env.pool);
    await store.set({ name: 'crowd', limitMicros: 1_000_000, period: 'day', thresholds: [50, 80, 100] });
    const recorded: RecordedAlert[] = [];
    const ledgers = Array.from({ length: 4 }, (_, i) =>
      new BudgetLedger(env.pool, { mode: i % 2 ? 'perCall' : 'grouped', logger: silent, onAlerts: (alerts) => recorded.push(...alerts) }),
    );
    // 100 calls of 10,000 each: exactly the limit, settled concurrently from four ledgers.
    const calls = Array.from({ length: 100 }, () => call({ maxCostMicros: 10_000, budgetNames: ['crowd'] }));
    await Promise.all(calls.map((c, i) => ledgers[i % 4]!.reserve(c)));
    await Promise.all(calls.map((c, i) => ledgers[(i + 1) % 4]!.settle(c.callId, { costMicros: 10_000, usage: usage() })));
    expect(await alertRows('crowd')).toMatchObject([{ threshold: 50 }, { threshold: 80 }, { threshold: 100 }]);
    expect(recorded.map((a) => a.threshold).sort((a, b) => a - b)).toEqual([50, 80, 100]);
    const spentAt = Object.fromEntries(recorded.map((a) => [a.threshold, a.spentMicros]));
    expect(spentAt[50]).toBeGreaterThanOrEqual(500_000);
    expect(spentAt[100]).toBe(1_000_000);
  });

  it('records a crossing caused by a lowered limit', async () => {
    const store = new BudgetStore(env.pool);
    const ledger = new BudgetLedger(env.pool, { logger: silent });
    await store.set({ name: 'shrinking', limitMicros: 1_000_000, period: 'month' });
    const c = call({ maxCostMicros: 300_000, budgetNames: ['shrinking'] });
    await ledger.reserve(c);
    await ledger.settle(c.callId, { costMicros: 300_000, usage: usage() });
    expect(await alertRows('shrinking')).toEqual([]);
    const result = await store.set({ name: 'shrinking', limitMicros: 500_000 });
    expect(result.alerts.map((a) => a.threshold)).toEqual([50]);
  });

  it('posts Slack-compatible JSON to the webhook, retrying with backoff until it succeeds, and records the delivery', async () => {
    const store = new BudgetStore(env.pool);
    const ledger = new BudgetLedger(env.pool, { logger: silent });
    await store.set({ name: 'webhooked', limitMicros: 100_000, period: 'day', tz: 'Europe/Berlin', thresholds: [80] });
    await flushPending();
    hook.received = [];
    hook.failures = 2;
    const secretPath = '/services/T000/B000/very-secret-token';
    const deliverer = new AlertDeliverer(env.pool, { webhookUrl: hook.url(secretPath), baseDelayMs: 20, pollIntervalMs: 50, logger: silent });
    deliverer.start();
    try {
      const c = call({ maxCostMicros: 90_000, budgetNames: ['webhooked'] });
      await ledger.reserve(c);
      await ledger.settle(c.callId, { costMicros: 85_000, usage: usage() });
      const [row] = await waitFor(async () => {
        const rows = await alertRows('webhooked');
        return rows[0]?.delivery === 'delivered' ? rows : undefined;
      }, { what: 'the alert to be delivered' });
      expect(row).toMatchObject({ threshold: 80, delivery: 'delivered', attempts: 3 });
    } finally {
      await deliverer.stop();
    }
    expect(hook.received).toHaveLength(3);
    expect(hook.received[0]!.path).toBe(secretPath);
    expect(hook.received[2]!.body).toEqual({ text: expect.stringMatching(/budget "webhooked" reached 80% — \$0\.09 of \$0\.10 spent this day \(since .* Europe\/Berlin\)/) });
  });

  it('marks an alert failed after its last attempt, with an error that never shows the webhook URL', async () => {
    const store = new BudgetStore(env.pool);
    const ledger = new BudgetLedger(env.pool, { logger: silent });
    await store.set({ name: 'unreachable', limitMicros: 100_000, period: 'day', thresholds: [50] });
    await flushPending();
    hook.failures = 100;
    const secretPath = '/services/T111/B111/another-secret';
    const deliverer = new AlertDeliverer(env.pool, { webhookUrl: hook.url(secretPath), baseDelayMs: 1, maxAttempts: 3, pollIntervalMs: 20, logger: silent });
    const c = call({ maxCostMicros: 60_000, budgetNames: ['unreachable'] });
    await ledger.reserve(c);
    await ledger.settle(c.callId, { costMicros: 60_000, usage: usage() });
    deliverer.start();
    try {
      await waitFor(async () => (await alertRows('unreachable'))[0]?.delivery === 'failed', { what: 'the alert to fail' });
    } finally {
      await deliverer.stop();
    }
    const [row] = await alertRows('unreachable');
    expect(row).toMatchObject({ delivery: 'failed', attempts: 3 });
    expect(row!.last_error).toMatch(/HTTP 500/);
    expect(row!.last_error).not.toContain('another-secret');
    hook.failures = 0;
  });

  it('keeps every secret part of the webhook URL (path, query, user-info) out of lastError and the log when the endpoint echoes its request', async () => {
    // An endpoint that answers 500 with everything it received: request line, headers, body.
    const echo = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      res.writeHead(500).end(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = (echo.address() as AddressInfo).port;
    const cases = [
      { name: 'leak-path', url: `http://127.0.0.1:${port}/services/T9/B9/PATHSECRET42`, secrets: ['PATHSECRET42'] },
      { name: 'leak-query', url: `http://127.0.0.1:${port}/hook?token=QUERYSECRET42&team=x`, secrets: ['QUERYSECRET42'] },
      {
        name: 'leak-userinfo',
        url: `http://alice:USERSECRET42@127.0.0.1:${port}/hook`,
        secrets: ['USERSECRET42', 'alice', Buffer.from('alice:USERSECRET42').toString('base64')],
      },
    ];
    try {
      for (const c of cases) {
        const store = new BudgetStore(env.pool);
        const ledger = new BudgetLedger(env.pool, { logger: silent });
        await store.set({ name: c.name, limitMicros: 100_000, period: 'day', thresholds: [50] });
        await flushPending();
        const lines: string[] = [];
        const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
        const deliverer = new AlertDeliverer(env.pool, { webhookUrl: c.url, logger });
        const spend = call({ maxCostMicros: 60_000, budgetNames: [c.name] });
        await ledger.reserve(spend);
        await ledger.settle(spend.callId, { costMicros: 60_000, usage: usage() });
        expect(await deliverer.deliverPending()).toMatchObject({ retrying: 1 });
        const [row] = await alertRows(c.name);
        // The echo did come back (so redaction, not a missing body, keeps the secret out).
        expect(row!.last_error).toMatch(/HTTP 500: POST \[webhook\]/);
        const { rows: listed } = await env.pool.query<{ last_error: string }>(`select last_error from budget_alerts where budget_name = $1`, [c.name]);
        expect(lines.join('\n')).toContain('budget alert webhook failed');
        for (const secret of c.secrets) {
          expect(row!.last_error, c.name).not.toContain(secret);
          expect(listed[0]!.last_error, c.name).not.toContain(secret);
          expect(lines.join('\n'), c.name).not.toContain(secret);
        }
        // Delivered or not, the next test should not see it.
        await env.pool.query(`update budget_alerts set delivery = 'failed' where budget_name = $1`, [c.name]);
      }
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it('pushes "exhausted: N jobs waiting for budget" once per budget and period when a hard budget first makes jobs wait', async () => {
    const store = new BudgetStore(env.pool);
    await store.set({ name: 'drained', limitMicros: 100_000, period: 'day', thresholds: [50, 80, 100] });
    await flushPending();
    const recorded: RecordedAlert[] = [];
    const ledger = new BudgetLedger(env.pool, { logger: silent, onAlerts: (alerts) => recorded.push(...alerts) });
    // 98 % spent: the next call is refused, so no threshold of 100 % is ever crossed.
    const spend = call({ maxCostMicros: 98_000, budgetNames: ['drained'] });
    await ledger.reserve(spend);
    await ledger.settle(spend.callId, { costMicros: 98_000, usage: usage() });
    expect(await ledger.reserve(call({ maxCostMicros: 5_000, budgetNames: ['drained'] }))).toMatchObject({ ok: false, blockingBudget: 'drained' });
    for (let i = 0; i < 3; i++) {
      await env.pool.query(
        `insert into jobs (job_id, kind, tier, budgets, status, waiting_budget, wait_until) values ($1, 'classify', 'basic', '{drained}', 'waiting_budget', 'drained', now() + interval '1 day')`,
        [`waiting-${i}`],
      );
    }
    await flushPending();
    recorded.length = 0;
    const first = await ledger.recordExhausted('drained');
    expect(await ledger.recordExhausted('drained'), 'a second refusal in the period records nothing').toBeUndefined();
    expect(first).toMatchObject({ kind: 'exhausted', budgetName: 'drained', spentMicros: 98_000 });
    expect(recorded.map((a) => a.kind)).toEqual(['exhausted']);

    hook.received = [];
    const deliverer = new AlertDeliverer(env.pool, { webhookUrl: hook.url('/exhausted-hook'), logger: silent });
    expect(await deliverer.deliverPending()).toMatchObject({ delivered: 1 });
    expect(hook.received).toHaveLength(1);
    expect((hook.received[0]!.body as { text: string }).text).toMatch(/budget "drained" exhausted: 3 job\(s\) waiting for budget — 98% spent \(\$0\.10 of \$0\.10\) this day/);
    const listed = (await new AlertStore(env.pool).list()).filter((a) => a.budgetName === 'drained');
    expect(listed.map((a) => [a.kind, a.delivery])).toEqual([['exhausted', 'delivered'], ['threshold', 'delivered'], ['threshold', 'delivered']]);
    const check = await checkBudgets(store, new AlertStore(env.pool));
    expect(check.alerts.map((a) => a.kind)).toContain('exhausted');
  });

  it('keeps an alert pending when its process dies mid-delivery; the next pass after the lease delivers it', async () => {
    const store = new BudgetStore(env.pool);
    const ledger = new BudgetLedger(env.pool, { logger: silent });
    await store.set({ name: 'orphaned', limitMicros: 100_000, period: 'day', thresholds: [50] });
    await flushPending();
    const c = call({ maxCostMicros: 60_000, budgetNames: ['orphaned'] });
    await ledger.reserve(c);
    await ledger.settle(c.callId, { costMicros: 60_000, usage: usage() });
    // A process claimed it (its lease is set) and died before posting.
    await env.pool.query(`update budget_alerts set next_attempt_at = now() + interval '200 milliseconds' where budget_name = 'orphaned'`);
    hook.received = [];
    const deliverer = new AlertDeliverer(env.pool, { webhookUrl: hook.url('/hook'), logger: silent });
    expect(await deliverer.deliverPending()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    const passes = await waitFor(async () => {
      const pass = await deliverer.deliverPending();
      return pass.delivered === 1 ? pass : undefined;
    }, { what: 'the lease to end', intervalMs: 50 });
    expect(passes.delivered).toBe(1);
    expect(hook.received).toHaveLength(1);
    expect(await alertRows('orphaned')).toMatchObject([{ delivery: 'delivered' }]);
  });

  it('fails the check on an unacknowledged 100% alert until it is acknowledged', async () => {
    const store = new BudgetStore(env.pool);
    const alerts = new AlertStore(env.pool);
    const ledger = new BudgetLedger(env.pool, { logger: silent });
    await store.set({ name: 'soft-full', limitMicros: 100_000, period: 'day', hard: false, thresholds: [100] });
    const before = await checkBudgets(store, alerts);
    const c = call({ maxCostMicros: 150_000, budgetNames: ['soft-full'] });
    await ledger.reserve(c);
    await ledger.settle(c.callId, { costMicros: 120_000, usage: usage() });
    const check = await checkBudgets(store, alerts);
    expect(check.alerts.map((a) => a.budgetName)).toContain('soft-full');
    expect(check.ok).toBe(false);
    for (const a of check.alerts) await alerts.ack(a.id);
    const after = await checkBudgets(store, alerts);
    expect(after.alerts).toEqual([]);
    expect(after.exhausted.map((b) => b.name)).toEqual(before.exhausted.map((b) => b.name));
  });
});
