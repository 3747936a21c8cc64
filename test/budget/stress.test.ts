import { describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { useTestEnv } from '../support/env.js';
import { startChild } from './children.js';

const env = useTestEnv();

describe('budget under load from several processes', () => {
  it('never lets spent + reserved exceed a hard limit, and the ledger sum equals spent exactly', { timeout: 120_000 }, async () => {
    const limitMicros = 5_000_000;
    const store = new BudgetStore(env.pool);
    await store.set({ name: 'small', limitMicros, period: 'day', tz: 'Pacific/Auckland' });
    const { rows: budgetRows } = await env.pool.query<{ id: number }>(`select id from budgets where name = 'small'`);
    const budgetId = budgetRows[0]!.id;

    // Two processes group their requests into shared transactions, two use one per call.
    const children = ['grouped', 'perCall', 'grouped', 'perCall'].map((mode) =>
      startChild('test/budget/fixtures/reserve-worker.ts', { DATABASE_URL: env.databaseUrl, BUDGET: 'small', CALLERS: '50', ROUNDS: '10', MODE: mode }),
    );
    let running = true;
    const done = Promise.all(children.map((c) => c.lines)).finally(() => {
      running = false;
    });

    // A monitor samples the counters while the children run.
    const samples: number[] = [];
    const monitor = (async () => {
      while (running) {
        const { rows } = await env.pool.query<{ total: string }>(
          `select coalesce(sum(spent_micros + reserved_micros), 0) as total from budget_periods where budget_id = $1`,
          [budgetId],
        );
        samples.push(Number(rows[0]!.total));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const outputs = await done;
    await monitor;

    if (process.env.STRESS_VERBOSE) console.log(outputs.map((l) => l.at(-1)).join("\n"), `samples=${samples.length} max=${Math.max(...samples)}`);
    const summaries = outputs.map((lines) => JSON.parse(lines.at(-1)!) as { accepted: number; refused: number; settled: number; overruns: number; spentMicros: number });
    const accepted = summaries.reduce((n, s) => n + s.accepted, 0);
    const refused = summaries.reduce((n, s) => n + s.refused, 0);
    expect(accepted + refused).toBe(4 * 50 * 10);
    expect(refused).toBeGreaterThan(0); // the budget was really contended
    expect(samples.length).toBeGreaterThan(20);
    expect(Math.max(...samples)).toBeLessThanOrEqual(limitMicros);

    const status = await store.status('small');
    const ledgerSum = await env.pool.query<{ spent: string; calls: number; overruns: number }>(
      `select coalesce(sum(l.cost_micros) filter (where l.status in ('settled', 'closed_as_spent')), 0) as spent,
              count(*)::int as calls, count(*) filter (where l.overrun)::int as overruns
       from ledger l join ledger_charges c on c.call_id = l.call_id where c.budget_id = $1`,
      [budgetId],
    );
    expect(status.reservedMicros).toBe(0);
    expect(status.spentMicros).toBeLessThanOrEqual(limitMicros);
    expect(Number(ledgerSum.rows[0]!.spent)).toBe(status.spentMicros);
    expect(status.spentMicros).toBe(summaries.reduce((n, s) => n + s.spentMicros, 0));
    expect(ledgerSum.rows[0]!.calls).toBe(accepted);
    expect(ledgerSum.rows[0]!.overruns).toBe(0);
    expect(status.overrunCount).toBe(0);
    expect(await store.audit()).toEqual([]);
  });
});
