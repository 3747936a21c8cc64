import { afterEach, expect } from 'vitest';
import { auditResultCosts } from '../../src/budget/sync-result-costs.js';
import type pg from 'pg';

/** Result rows by job id. */
export async function resultsByJob(pool: pg.Pool): Promise<Map<string, { model: string; calls: number; costMicros: number }>> {
  const { rows } = await pool.query<{ job_id: string; model: string; calls: number; cost_micros: string }>('select job_id, model, calls, cost_micros from results');
  return new Map(rows.map((r) => [r.job_id, { model: r.model, calls: r.calls, costMicros: Number(r.cost_micros) }]));
}

/** Ledger rows of one job, in call order. */
export async function ledgerOf(pool: pg.Pool, jobId: string): Promise<Array<{ model: string; status: string; costMicros: number | null }>> {
  const { rows } = await pool.query<{ model: string; status: string; cost_micros: string | null }>(
    'select model, status, cost_micros from ledger where job_id = $1 order by attempt, seq',
    [jobId],
  );
  return rows.map((r) => ({ model: r.model, status: r.status, costMicros: r.cost_micros === null ? null : Number(r.cost_micros) }));
}

/**
 * Every budget's spent equals the cost of the calls charged to it (settled or closed as spent),
 * and nothing stays reserved once the work is done.
 */
export async function budgetsMatchLedger(pool: pg.Pool): Promise<Array<{ budget: number; spent: number; ledger: number; reserved: number }>> {
  const { rows } = await pool.query<{ budget_id: number; spent: string; ledger: string; reserved: string }>(`
    select p.budget_id, sum(p.spent_micros) as spent, sum(p.reserved_micros) as reserved,
      coalesce((select sum(l.cost_micros) from ledger_charges c join ledger l using (call_id)
                where c.budget_id = p.budget_id and l.status in ('settled', 'closed_as_spent')), 0) as ledger
    from budget_periods p group by p.budget_id`);
  return rows.map((r) => ({ budget: r.budget_id, spent: Number(r.spent), ledger: Number(r.ledger), reserved: Number(r.reserved) }));
}

/**
 * The results = ledger invariant: every stored result's cost and call count equal the sum and
 * count of its job's ledger rows that are settled or closed as spent. With `allowOpen`, jobs
 * with a reservation still open (a killed worker's call, not yet closed) are left out, as
 * `frugal budget audit` leaves them out; otherwise an open reservation of a job with a result
 * fails the assertion too. Returns how many results were compared, so a test can also assert
 * that it compared something.
 */
export async function expectResultsEqualLedger(pool: pg.Pool, options: { allowOpen?: boolean } = {}): Promise<number> {
  const audit = await auditResultCosts(pool);
  expect(audit.mismatches, 'results whose cost or calls differ from their ledger rows').toEqual([]);
  if (!options.allowOpen) expect(audit.skippedOpen, 'results of jobs with a call still reserved').toBe(0);
  return audit.checked;
}

/**
 * After each test of the file, the results = ledger invariant holds (strictly: no result of a job
 * with a call still reserved). For pipeline and fault tests that complete jobs.
 */
export function useResultsLedgerCheck(env: { pool: pg.Pool }): void {
  afterEach(async () => {
    await expectResultsEqualLedger(env.pool);
  });
}
