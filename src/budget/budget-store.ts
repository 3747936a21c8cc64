import type pg from 'pg';
import { InputError } from '../errors.js';
import { BudgetInUseError } from './budget-in-use-error.js';
import { checkLimitMicros, checkThresholds, parseBudgetName, parsePeriod, parseScope } from './parse-budget-fields.js';
import { nowSql, periodEndSql, periodStartSql } from './period-sql.js';
import { DEFAULT_THRESHOLDS, type BudgetDefinition, type BudgetInput, type BudgetScope, type BudgetStatus, type Period, type RecordedAlert } from './types.js';
import { UnknownBudgetError } from './unknown-budget-error.js';

/** Channel of the notification sent, in the same transaction, whenever a budget is set or deleted. */
export const BUDGET_CHANGED_CHANNEL = 'frugal_budget_changed';

export interface BudgetStoreOptions {
  /** Clock for "the current period". Default: the database's clock. */
  now?: () => Date;
}

export interface SetBudgetResult {
  budget: BudgetDefinition;
  created: boolean;
  /** Thresholds crossed in the current period because the limit was lowered. */
  alerts: RecordedAlert[];
}

/** A budget period whose counters differ from the sums of its ledger rows (should never happen). */
export interface AuditMismatch {
  budgetName: string;
  periodStart: Date;
  spentMicros: number;
  ledgerSpentMicros: number;
  reservedMicros: number;
  ledgerReservedMicros: number;
  overrunCount: number;
  ledgerOverrunCount: number;
}

/** Budget definitions and their current counters: what `frugal budget` shows and changes. */
export class BudgetStore {
  private readonly now: (() => Date) | undefined;

  constructor(
    private readonly pool: pg.Pool,
    options: BudgetStoreOptions = {},
  ) {
    this.now = options.now;
  }

  /**
   * Creates or updates a budget. Creating needs a limit and a period; updating changes only the
   * fields given. Every field is checked before anything is written, so bad input changes
   * nothing. Notifies BUDGET_CHANGED_CHANNEL in the same transaction, so waiting jobs wake up
   * when a limit is raised.
   */
  async set(input: BudgetInput): Promise<SetBudgetResult> {
    const name = parseBudgetName(input.name);
    const limitMicros = input.limitMicros === undefined ? undefined : checkLimitMicros(input.limitMicros);
    const period = input.period === undefined ? undefined : parsePeriod(input.period);
    const scope = input.scope === undefined ? undefined : parseScope(input.scope);
    const thresholds = input.thresholds === undefined ? undefined : checkThresholds(input.thresholds);
    const tz = input.tz === undefined ? undefined : await this.canonicalZone(input.tz);
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      try {
        const { rows } = await client.query<{ id: number }>('select id from budgets where name = $1 for update', [name]);
        let created = false;
        let id: number;
        if (rows[0]) {
          id = rows[0].id;
          await client.query(
            `update budgets set limit_micros = coalesce($2, limit_micros), period = coalesce($3, period), tz = coalesce($4, tz),
               hard = coalesce($5, hard), thresholds = coalesce($6::int[], thresholds), scope = coalesce($7, scope), updated_at = ${nowSql('$8')}
             where id = $1`,
            [id, limitMicros ?? null, period ?? null, tz ?? null, input.hard ?? null, thresholds ?? null, scope ?? null, this.now?.() ?? null],
          );
        } else {
          if (limitMicros === undefined || period === undefined) {
            throw new InputError(`budget "${name}" does not exist yet`, 'give --limit and --period to create it');
          }
          const inserted = await client.query<{ id: number }>(
            `insert into budgets (name, limit_micros, period, tz, hard, thresholds, scope, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6::int[], $7, ${nowSql('$8')}, ${nowSql('$8')})
             on conflict (name) do nothing returning id`,
            [name, limitMicros, period, tz ?? 'UTC', input.hard ?? true, thresholds ?? [...DEFAULT_THRESHOLDS], scope ?? 'named', this.now?.() ?? null],
          );
          // Created by someone else between our lookup and our insert: update it instead.
          if (!inserted.rows[0]) {
            await client.query('rollback');
            return this.set(input);
          }
          id = inserted.rows[0].id;
          created = true;
        }
        const alerts = await this.evaluateCurrentAlerts(client, id);
        await client.query('select pg_notify($1, $2)', [BUDGET_CHANGED_CHANNEL, name]);
        await client.query('commit');
        return { budget: (await this.definition(name))!, created, alerts };
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  /** Deletes a budget and its counters; the ledger rows of its calls stay. Refused while reservations are open. */
  async delete(name: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      try {
        // Period rows first, then the budget row: the order reservations take them in (they lock
        // period rows, then key-share the budget row by inserting charges), so no deadlock.
        await client.query(
          'select 1 from budget_periods where budget_id = (select id from budgets where name = $1) order by period_start for update',
          [name],
        );
        const { rows } = await client.query<{ id: number }>('select id from budgets where name = $1 for update', [name]);
        if (!rows[0]) throw new UnknownBudgetError([name]);
        const open = await client.query<{ n: number }>(
          `select count(*)::int as n from ledger_charges c join ledger l on l.call_id = c.call_id where c.budget_id = $1 and l.status = 'reserved'`,
          [rows[0].id],
        );
        const count = open.rows[0]?.n ?? 0;
        if (count > 0) throw new BudgetInUseError(name, count);
        await client.query('delete from budgets where id = $1', [rows[0].id]);
        await client.query('select pg_notify($1, $2)', [BUDGET_CHANGED_CHANNEL, name]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  async definition(name: string): Promise<BudgetDefinition | undefined> {
    const { rows } = await this.pool.query<BudgetRow>(`select * from budgets where name = $1`, [name]);
    return rows[0] ? toDefinition(rows[0]) : undefined;
  }

  /** A budget with its counters in the current period. Throws UnknownBudgetError. */
  async status(name: string): Promise<BudgetStatus> {
    const [status] = await this.statuses({ names: [name] });
    if (!status) throw new UnknownBudgetError([name]);
    return status;
  }

  /** Every budget with its counters in the current period, by name. */
  async list(): Promise<BudgetStatus[]> {
    return this.statuses({});
  }

  /**
   * The budgets that apply to a job (its named budgets, global and kind:<kind>) with their room
   * now: what the router needs to keep a model's maximum cost within every hard budget. Throws
   * UnknownBudgetError when a named budget does not exist.
   */
  async applicable(job: { kind: string; budgetNames?: readonly string[] }): Promise<BudgetStatus[]> {
    const names = [...new Set(job.budgetNames ?? [])];
    const found = await this.statuses({ names, kind: job.kind });
    const missing = names.filter((n) => !found.some((b) => b.name === n));
    if (missing.length > 0) throw new UnknownBudgetError(missing);
    return found;
  }

  /**
   * Compares every period's counters with the sums of its ledger rows: settled and closed calls
   * in spent, open reservations in reserved, flagged overruns in the overrun count. Empty when
   * they agree, which they always should.
   */
  async audit(): Promise<AuditMismatch[]> {
    const { rows } = await this.pool.query<AuditRow>(
      `select b.name, bp.period_start, bp.spent_micros, bp.reserved_micros, bp.overrun_count,
         coalesce(x.spent, 0) as ledger_spent, coalesce(x.reserved, 0) as ledger_reserved, coalesce(x.overruns, 0)::int as ledger_overruns
       from budget_periods bp
       join budgets b on b.id = bp.budget_id
       left join (
         select c.budget_id, c.period_start,
           sum(case when l.status in ('settled', 'closed_as_spent') then l.cost_micros else 0 end) as spent,
           sum(case when l.status = 'reserved' then l.reserved_micros else 0 end) as reserved,
           count(*) filter (where l.overrun) as overruns
         from ledger_charges c join ledger l on l.call_id = c.call_id
         group by c.budget_id, c.period_start
       ) x on x.budget_id = bp.budget_id and x.period_start = bp.period_start
       where bp.spent_micros <> coalesce(x.spent, 0) or bp.reserved_micros <> coalesce(x.reserved, 0) or bp.overrun_count <> coalesce(x.overruns, 0)
       order by b.name, bp.period_start`,
    );
    return rows.map((r) => ({
      budgetName: r.name,
      periodStart: r.period_start,
      spentMicros: Number(r.spent_micros),
      ledgerSpentMicros: Number(r.ledger_spent),
      reservedMicros: Number(r.reserved_micros),
      ledgerReservedMicros: Number(r.ledger_reserved),
      overrunCount: r.overrun_count,
      ledgerOverrunCount: r.ledger_overruns,
    }));
  }

  private async statuses(filter: { names?: string[]; kind?: string }): Promise<BudgetStatus[]> {
    const where =
      filter.kind !== undefined
        ? `where b.name = any($2::text[]) or b.scope = 'global' or b.scope = $3`
        : filter.names !== undefined
          ? 'where b.name = any($2::text[])'
          : '';
    const values: unknown[] = [this.now?.() ?? null];
    if (filter.names !== undefined || filter.kind !== undefined) values.push(filter.names ?? []);
    if (filter.kind !== undefined) values.push(`kind:${filter.kind}`);
    const now = nowSql('$1');
    const { rows } = await this.pool.query<StatusRow>(
      `select b.*, p.period_start, p.period_end,
         coalesce(bp.spent_micros, 0) as spent_micros, coalesce(bp.reserved_micros, 0) as reserved_micros,
         coalesce(bp.overrun_count, 0) as overrun_count, coalesce(bp.overrun_micros, 0) as overrun_micros,
         coalesce(bp.refused_count, 0) as refused_count, bp.exhausted_at
       from budgets b
       cross join lateral (select ${periodStartSql('b', now)} as period_start, ${periodEndSql('b', now)} as period_end) p
       left join budget_periods bp on bp.budget_id = b.id and bp.period_start = p.period_start
       ${where}
       order by b.name`,
      values,
    );
    return rows.map(toStatus);
  }

  /** Postgres computes the periods, so the zone must be one Postgres knows; stored as Postgres spells it. */
  private async canonicalZone(tz: string): Promise<string> {
    const { rows } = await this.pool.query<{ name: string }>('select name from pg_timezone_names where lower(name) = lower($1) order by name = $1 desc limit 1', [tz.trim()]);
    if (!rows[0]) throw new InputError(`--tz "${tz}" is not a known time zone`, 'give an IANA zone name such as Europe/Berlin, America/New_York or UTC');
    return rows[0].name;
  }

  private async evaluateCurrentAlerts(client: pg.PoolClient, budgetId: number): Promise<RecordedAlert[]> {
    const now = nowSql('$2');
    const { rows } = await client.query<AlertRow>(
      `insert into budget_alerts (budget_id, budget_name, period_start, threshold, spent_micros, limit_micros, hard, created_at, next_attempt_at)
       select b.id, b.name, bp.period_start, t.threshold, bp.spent_micros, b.limit_micros, b.hard, ${now}, ${now}
       from budgets b
       join budget_periods bp on bp.budget_id = b.id and bp.period_start = ${periodStartSql('b', now)}
       cross join lateral unnest(b.thresholds) as t(threshold)
       where b.id = $1 and bp.spent_micros > 0 and bp.spent_micros * 100 >= b.limit_micros * t.threshold
       on conflict (budget_id, period_start, threshold) do nothing
       returning id, budget_name, threshold, spent_micros, limit_micros, period_start, hard`,
      [budgetId, this.now?.() ?? null],
    );
    return rows.map((a) => ({
      id: a.id,
      budgetName: a.budget_name,
      threshold: a.threshold,
      spentMicros: Number(a.spent_micros),
      limitMicros: Number(a.limit_micros),
      periodStart: a.period_start,
      hard: a.hard,
    }));
  }
}

interface BudgetRow {
  id: number;
  name: string;
  limit_micros: string;
  period: Period;
  tz: string;
  hard: boolean;
  thresholds: number[];
  scope: BudgetScope;
  created_at: Date;
  updated_at: Date;
}

interface StatusRow extends BudgetRow {
  period_start: Date;
  period_end: Date | null;
  spent_micros: string;
  reserved_micros: string;
  overrun_count: number;
  overrun_micros: string;
  refused_count: number;
  exhausted_at: Date | null;
}

interface AuditRow {
  name: string;
  period_start: Date;
  spent_micros: string;
  reserved_micros: string;
  overrun_count: number;
  ledger_spent: string;
  ledger_reserved: string;
  ledger_overruns: number;
}

interface AlertRow {
  id: number;
  budget_name: string;
  threshold: number;
  spent_micros: string;
  limit_micros: string;
  period_start: Date;
  hard: boolean;
}

function toDefinition(row: BudgetRow): BudgetDefinition {
  return {
    id: row.id,
    name: row.name,
    limitMicros: Number(row.limit_micros),
    period: row.period,
    tz: row.tz,
    hard: row.hard,
    thresholds: row.thresholds,
    scope: row.scope,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toStatus(row: StatusRow): BudgetStatus {
  const definition = toDefinition(row);
  const spentMicros = Number(row.spent_micros);
  const reservedMicros = Number(row.reserved_micros);
  const remainingMicros = Math.max(0, definition.limitMicros - spentMicros - reservedMicros);
  const refusedSinceChange = row.exhausted_at !== null && row.exhausted_at.getTime() >= definition.updatedAt.getTime();
  return {
    ...definition,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    spentMicros,
    reservedMicros,
    remainingMicros,
    overrunCount: row.overrun_count,
    overrunMicros: Number(row.overrun_micros),
    refusedCount: row.refused_count,
    exhausted: definition.hard && (spentMicros >= definition.limitMicros || refusedSinceChange),
  };
}
