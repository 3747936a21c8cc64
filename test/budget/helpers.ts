import type pg from 'pg';
import { newCallId } from '../../src/budget/budget-ledger.js';
import type { ReserveRequest } from '../../src/budget/types.js';

/** A reservation request with plausible defaults for the fields a test does not care about. */
export function call(overrides: Partial<ReserveRequest> & { maxCostMicros: number }): ReserveRequest {
  return {
    callId: newCallId(),
    jobId: 'job-1',
    attempt: 0,
    seq: 0,
    kind: 'summarize',
    model: 'llama-3.1-8b-instant',
    provider: 'groq',
    budgetNames: [],
    ...overrides,
  };
}

export const usage = (outputTokens = 10) => ({ inputTokens: 100, cachedInputTokens: 0, outputTokens });

export interface Counters {
  spentMicros: number;
  reservedMicros: number;
  overrunCount: number;
  periods: number;
}

/** Counters of a budget summed over its periods, straight from Postgres. */
export async function counters(pool: pg.Pool, name: string): Promise<Counters> {
  const { rows } = await pool.query<{ spent: string; reserved: string; overruns: number; periods: number }>(
    `select coalesce(sum(bp.spent_micros), 0) as spent, coalesce(sum(bp.reserved_micros), 0) as reserved,
       coalesce(sum(bp.overrun_count), 0)::int as overruns, count(bp.*)::int as periods
     from budgets b left join budget_periods bp on bp.budget_id = b.id where b.name = $1`,
    [name],
  );
  const row = rows[0]!;
  return { spentMicros: Number(row.spent), reservedMicros: Number(row.reserved), overrunCount: row.overruns, periods: row.periods };
}

export async function ledgerRow(pool: pg.Pool, callId: string) {
  const { rows } = await pool.query<{ status: string; cost_micros: string | null; reserved_micros: string; overrun: boolean; closed_stale: boolean; act_output_tokens: number | null; reasoning_tokens: number | null; error: string | null }>(
    'select status, cost_micros, reserved_micros, overrun, closed_stale, act_output_tokens, reasoning_tokens, error from ledger where call_id = $1',
    [callId],
  );
  return rows[0];
}

export async function ledgerCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from ledger');
  return rows[0]!.n;
}
