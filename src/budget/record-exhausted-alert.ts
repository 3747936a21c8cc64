import type pg from 'pg';
import { nowSql, periodStartSql } from './period-sql.js';
import type { RecordedAlert } from './types.js';

/**
 * Records that hard budget `budgetName` refused a job that now waits for it: an `exhausted`
 * alert, once per budget and period (the alerts' unique key, with threshold 0), however many
 * jobs and workers are refused. Reservations are refused before spending reaches 100 %, so this
 * is the only push a hard budget's exhaustion gets. Returns the alert when this call recorded it.
 */
export async function recordExhaustedAlert(pool: pg.Pool, budgetName: string, now: Date | null = null): Promise<RecordedAlert | undefined> {
  const { rows } = await pool.query<{ id: number; budget_name: string; spent_micros: string; limit_micros: string; period_start: Date; hard: boolean }>(
    `insert into budget_alerts (budget_id, budget_name, period_start, kind, threshold, spent_micros, limit_micros, hard, created_at, next_attempt_at)
     select b.id, b.name, p.start, 'exhausted', 0, coalesce(bp.spent_micros, 0), b.limit_micros, b.hard, ${nowSql('$2')}, ${nowSql('$2')}
     from budgets b
     cross join lateral (select ${periodStartSql('b', nowSql('$2'))} as start) p
     left join budget_periods bp on bp.budget_id = b.id and bp.period_start = p.start
     where b.name = $1 and b.hard
     on conflict (budget_id, period_start, threshold) do nothing
     returning id, budget_name, spent_micros, limit_micros, period_start, hard`,
    [budgetName, now],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    kind: 'exhausted',
    budgetName: row.budget_name,
    threshold: 0,
    spentMicros: Number(row.spent_micros),
    limitMicros: Number(row.limit_micros),
    periodStart: row.period_start,
    hard: row.hard,
  };
}
