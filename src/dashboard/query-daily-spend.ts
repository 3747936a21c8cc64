import type pg from 'pg';
import { SPENT_STATUSES } from '../reports/query-spend.js';

export type DailySpendGroup = 'model' | 'kind' | 'budget';

export interface DailySpendCell {
  day: string;
  key: string;
  spentMicros: number;
}

/**
 * Spend of the calls started in `[from, to)` per calendar day in `tz` and per group: the rows of
 * `frugal spend --by day` split by model, kind or budget (a call charged to two budgets counts
 * under each, as in `frugal spend --by budget`).
 */
export async function queryDailySpend(pool: pg.Pool, query: { from: Date; to: Date; tz: string; by: DailySpendGroup }): Promise<DailySpendCell[]> {
  const key = { model: 'l.model', kind: 'l.kind', budget: `coalesce(b.name, '(none)')` }[query.by];
  const join = query.by === 'budget' ? 'left join ledger_charges c on c.call_id = l.call_id left join budgets b on b.id = c.budget_id' : '';
  const { rows } = await pool.query<{ day: string; key: string; spent: string }>(
    `select to_char(l.started_at at time zone $3, 'YYYY-MM-DD') as day, ${key} as key, coalesce(sum(l.cost_micros), 0) as spent
     from ledger l ${join}
     where l.status in ${SPENT_STATUSES} and l.started_at >= $1 and l.started_at < $2
     group by 1, 2 order by 1, 2`,
    [query.from, query.to, query.tz],
  );
  return rows.map((r) => ({ day: r.day, key: r.key, spentMicros: Number(r.spent) }));
}

export interface EstimateRow {
  model: string;
  calls: number;
  estimatedMicros: number;
  actualMicros: number;
}

/** Estimated against actual cost per model, over the settled calls whose usage the provider reported. */
export async function queryEstimateAccuracy(pool: pg.Pool, from: Date, to: Date): Promise<EstimateRow[]> {
  const { rows } = await pool.query<{ model: string; calls: number; est: string; act: string }>(
    `select model, count(*)::int as calls, coalesce(sum(est_cost_micros), 0) as est, coalesce(sum(cost_micros), 0) as act from ledger
     where status = 'settled' and not usage_estimated and started_at >= $1 and started_at < $2
     group by model order by model`,
    [from, to],
  );
  return rows.map((r) => ({ model: r.model, calls: r.calls, estimatedMicros: Number(r.est), actualMicros: Number(r.act) }));
}
