import type pg from 'pg';
import { expect } from 'vitest';
import { BudgetStore } from '../../../src/budget/budget-store.js';
import type { SimStats } from '../../../src/providers/sim/sim-stats.js';
import { expectResultsEqualLedger } from '../../support/queries.js';

/** Every job has a result row: nothing enqueued was lost. */
export async function expectEveryJobCompleted(pool: pg.Pool, jobIds: readonly string[]): Promise<void> {
  const { rows } = await pool.query<{ job_id: string }>('select job_id from results where job_id = any($1::text[])', [jobIds]);
  const found = new Set(rows.map((r) => r.job_id));
  expect(jobIds.filter((id) => !found.has(id))).toEqual([]);
  const failed = await pool.query<{ job_id: string; error: string }>(`select job_id, error from jobs where status = 'failed'`);
  expect(failed.rows).toEqual([]);
}

/**
 * The money invariants after a fault, once every job has finished and stale reservations were
 * closed:
 * - no reservation is left open;
 * - the budget counters equal the ledger, period by period: spent = the cost of its settled and
 *   closed-as-spent calls, reserved = 0 (checked here in SQL, and by BudgetStore.audit);
 * - each completed job's result cost and calls are the sum and count of its settled and
 *   closed-as-spent calls (no call charged twice, none charged without being counted);
 * - every call the simulator answered has a ledger row that counts it (settled, or closed as spent
 *   when its worker never read the answer), and no more calls were settled on reported usage than
 *   the simulator answered.
 */
export async function expectLedgerEqualsBudgets(pool: pg.Pool, sim?: SimStats): Promise<void> {
  const open = await pool.query<{ n: number }>(`select count(*)::int as n from ledger where status = 'reserved'`);
  expect(open.rows[0]!.n, 'reservations left open').toBe(0);

  const counters = await pool.query<{ budget: string; period_start: Date; spent: string; reserved: string; ledger_spent: string }>(
    `select b.name as budget, bp.period_start, bp.spent_micros as spent, bp.reserved_micros as reserved,
            coalesce((select sum(l.cost_micros) from ledger_charges c join ledger l on l.call_id = c.call_id
                      where c.budget_id = bp.budget_id and c.period_start = bp.period_start
                        and l.status in ('settled', 'closed_as_spent')), 0) as ledger_spent
       from budget_periods bp join budgets b on b.id = bp.budget_id order by b.name, bp.period_start`,
  );
  expect(counters.rows.length, 'budget periods charged').toBeGreaterThan(0);
  for (const row of counters.rows) {
    expect({ budget: row.budget, spent: Number(row.spent), reserved: Number(row.reserved) }).toEqual({ budget: row.budget, spent: Number(row.ledger_spent), reserved: 0 });
  }
  expect(await new BudgetStore(pool).audit()).toEqual([]);

  // Results = ledger: each result's cost and calls are its job's settled and closed-as-spent calls.
  expect(await expectResultsEqualLedger(pool), 'results compared with the ledger').toBeGreaterThan(0);

  if (sim) {
    const calls = await pool.query<{ settled: number; counted: number }>(
      `select count(*) filter (where status = 'settled' and not usage_estimated)::int as settled,
              count(*) filter (where status in ('settled', 'closed_as_spent'))::int as counted from ledger`,
    );
    const answered = sim.byStatus['200'] ?? 0;
    expect(calls.rows[0]!.settled, 'settled calls the simulator never answered').toBeLessThanOrEqual(answered);
    expect(calls.rows[0]!.counted, 'answered calls missing from the ledger').toBeGreaterThanOrEqual(answered);
  }
}
