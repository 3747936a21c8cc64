import type pg from 'pg';
import { InputError } from '../errors.js';
import type { SpendRow } from './report-figures.js';

export const SPEND_GROUPS = ['model', 'budget', 'kind', 'day', 'mode'] as const;
export type SpendGroup = (typeof SPEND_GROUPS)[number];

/** How the daily report titles its summary job (`frugal daily report — <date> (<tz>)`). */
export const REPORT_TITLE_PREFIX = 'frugal daily report — ';

/**
 * SQL condition true for ledger rows (alias `l`) that are not calls of a daily report's own
 * summary job: a report compares figures without them, or its own summary would change them.
 */
export function notReportSummarySql(l: string): string {
  return `not exists (select 1 from jobs rj where rj.job_id = ${l}.job_id and rj.kind = 'report' and starts_with(rj.payload->>'title', '${REPORT_TITLE_PREFIX}'))`;
}

/** Ledger statuses whose `cost_micros` is money spent. */
export const SPENT_STATUSES = `('settled', 'closed_as_spent')`;

export interface SpendQuery {
  /** First instant counted. */
  from: Date;
  /** First instant not counted. */
  to: Date;
  by: SpendGroup;
  /** Zone in which `day` groups begin (needed for `by: 'day'`). Default UTC. */
  tz?: string;
  /** Leave out the calls of daily reports' own summaries. Default false. */
  withoutReportSummaries?: boolean;
  /** Only jobs' own calls (ledger purpose `job`), leaving eval and judge calls out. Default false. */
  jobsOnly?: boolean;
}

/** The ledger condition that leaves eval and judge calls out. */
export const JOB_CALLS = `purpose = 'job'`;

/**
 * Spend of the calls started in `[from, to)`, grouped. Calls charged to several budgets count
 * once per budget in `by: 'budget'`; calls no budget applied to are grouped under `(none)`.
 * Rows are ordered by spend, largest first (by date for `day`).
 */
export async function querySpend(pool: pg.Pool, query: SpendQuery): Promise<SpendRow[]> {
  const key = {
    model: 'l.model',
    kind: 'l.kind',
    budget: `coalesce(b.name, '(none)')`,
    day: `to_char(l.started_at at time zone $3, 'YYYY-MM-DD')`,
    // `sync`, or `batch` for lines of provider batches (at the batch price).
    mode: 'l.mode',
  }[query.by];
  const join = query.by === 'budget' ? 'left join ledger_charges c on c.call_id = l.call_id left join budgets b on b.id = c.budget_id' : '';
  const order = query.by === 'day' ? 'key' : 'spent desc, key';
  const values: unknown[] = [query.from, query.to];
  if (query.by === 'day') values.push(query.tz ?? 'UTC');
  const { rows } = await pool.query<{ key: string; spent: string; calls: number; input_tokens: string; output_tokens: string; reasoning_tokens: string }>(
    `select ${key} as key, coalesce(sum(l.cost_micros), 0) as spent, count(*)::int as calls,
       coalesce(sum(l.act_input_tokens), 0) as input_tokens, coalesce(sum(l.act_output_tokens), 0) as output_tokens,
       coalesce(sum(l.reasoning_tokens), 0) as reasoning_tokens
     from ledger l ${join}
     where l.status in ${SPENT_STATUSES} and l.started_at >= $1 and l.started_at < $2${query.jobsOnly ? ` and l.${JOB_CALLS}` : ''}${query.withoutReportSummaries ? ` and ${notReportSummarySql('l')}` : ''}
     group by 1 order by ${order}`,
    values,
  );
  return rows.map((r) => ({
    key: r.key,
    spentMicros: Number(r.spent),
    calls: r.calls,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    reasoningTokens: Number(r.reasoning_tokens),
  }));
}

/** Total spend and calls in `[from, to)` (each call once, whatever its budgets). */
export async function querySpendTotal(pool: pg.Pool, from: Date, to: Date, options: { withoutReportSummaries?: boolean; jobsOnly?: boolean } = {}): Promise<{ totalMicros: number; calls: number }> {
  const { rows } = await pool.query<{ spent: string; calls: number }>(
    `select coalesce(sum(cost_micros), 0) as spent, count(*)::int as calls from ledger l
     where status in ${SPENT_STATUSES} and started_at >= $1 and started_at < $2${options.jobsOnly ? ` and ${JOB_CALLS}` : ''}${options.withoutReportSummaries ? ` and ${notReportSummarySql('l')}` : ''}`,
    [from, to],
  );
  return { totalMicros: Number(rows[0]?.spent ?? 0), calls: rows[0]?.calls ?? 0 };
}

/**
 * The instants a calendar-day range begins and ends in a zone: `[first day 00:00, day after last
 * day 00:00)`. Postgres does the zone arithmetic, as it does for budget periods.
 */
export async function dayRange(pool: pg.Pool, firstDay: string, lastDay: string, tz: string): Promise<{ from: Date; to: Date }> {
  try {
    const { rows } = await pool.query<{ from: Date; to: Date }>(
      `select ($1::date)::timestamp at time zone $3 as "from", ($2::date + 1)::timestamp at time zone $3 as "to"`,
      [firstDay, lastDay, tz],
    );
    return rows[0]!;
  } catch (error) {
    if ((error as { code?: string }).code === '22023') {
      throw new InputError(`time zone "${tz}" is not known to Postgres`, 'give an IANA zone name such as Europe/Berlin or UTC');
    }
    throw error;
  }
}
