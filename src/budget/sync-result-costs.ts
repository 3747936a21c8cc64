import type pg from 'pg';

/**
 * The invariant between results and the ledger: a result's cost and call count are the sum and
 * count of its job's ledger rows that are settled or closed as spent. Released rows never count;
 * the parts of a long document are jobs of their own, with their own results.
 */

/** Ledger statuses whose cost a job was charged. */
export const CHARGED_STATUSES = ['settled', 'closed_as_spent'] as const;

/** Anything that runs a parameterized query: a pool, or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

export interface ResultCharges {
  jobId: string;
  costMicros: number;
  calls: number;
}

/**
 * Sets the cost and call count of the results of `jobIds` to what the ledger charged their jobs,
 * and returns the new values (jobs without a result are left out). Idempotent; safe to run at
 * any time, from any process.
 */
export async function syncResultCosts(db: Queryable, jobIds: readonly string[]): Promise<ResultCharges[]> {
  if (jobIds.length === 0) return [];
  const { rows } = await db.query<{ job_id: string; cost_micros: string; calls: number }>(
    `with charged as (
       select j.job_id,
         coalesce((select sum(l.cost_micros) from ledger l where l.job_id = j.job_id and l.status in ('settled', 'closed_as_spent')), 0) as cost,
         (select count(*) from ledger l where l.job_id = j.job_id and l.status in ('settled', 'closed_as_spent'))::int as calls
       from unnest($1::text[]) as j(job_id)
     )
     update results r set cost_micros = c.cost, calls = c.calls
     from charged c where r.job_id = c.job_id
     returning r.job_id, r.cost_micros, r.calls`,
    [[...new Set(jobIds)]],
  );
  return rows.map((r) => ({ jobId: r.job_id, costMicros: Number(r.cost_micros), calls: r.calls }));
}

export interface ResultMismatch {
  jobId: string;
  resultCostMicros: number;
  resultCalls: number;
  ledgerCostMicros: number;
  ledgerCalls: number;
}

export interface ResultAudit {
  /** Results compared with their job's ledger rows. */
  checked: number;
  /** Results not compared because a call of their job is still reserved (it will settle or be closed). */
  skippedOpen: number;
  mismatches: ResultMismatch[];
}

/**
 * Compares every stored result with its job's ledger rows. Pruned results are not there to
 * compare; jobs with an open reservation are skipped (their sum is not final yet).
 */
export async function auditResultCosts(db: Queryable): Promise<ResultAudit> {
  const { rows } = await db.query<{ job_id: string; cost_micros: string; calls: number; ledger_cost: string; ledger_calls: number; open: boolean }>(
    `select r.job_id, r.cost_micros, r.calls,
       coalesce(sum(l.cost_micros) filter (where l.status in ('settled', 'closed_as_spent')), 0) as ledger_cost,
       (count(l.call_id) filter (where l.status in ('settled', 'closed_as_spent')))::int as ledger_calls,
       coalesce(bool_or(l.status = 'reserved'), false) as open
     from results r left join ledger l on l.job_id = r.job_id
     group by r.job_id, r.cost_micros, r.calls
     order by r.job_id`,
  );
  const audit: ResultAudit = { checked: 0, skippedOpen: 0, mismatches: [] };
  for (const row of rows) {
    if (row.open) {
      audit.skippedOpen++;
      continue;
    }
    audit.checked++;
    const mismatch: ResultMismatch = {
      jobId: row.job_id,
      resultCostMicros: Number(row.cost_micros),
      resultCalls: row.calls,
      ledgerCostMicros: Number(row.ledger_cost),
      ledgerCalls: row.ledger_calls,
    };
    if (mismatch.resultCostMicros !== mismatch.ledgerCostMicros || mismatch.resultCalls !== mismatch.ledgerCalls) audit.mismatches.push(mismatch);
  }
  return audit;
}
