import type pg from 'pg';
import { InputError } from '../errors.js';
import type { AlertDelivery, AlertKind, BudgetAlert } from './types.js';

export interface ListAlertsOptions {
  /** Only alerts nobody acknowledged. Default false. */
  unacknowledged?: boolean;
  /** Most alerts returned, newest first. Default 100. */
  limit?: number;
}

/** Recorded threshold crossings: listing and acknowledging them. */
export class AlertStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(options: ListAlertsOptions = {}): Promise<BudgetAlert[]> {
    const { rows } = await this.pool.query<AlertRow>(
      `select * from budget_alerts where ($1::bool is not true or acknowledged_at is null) order by created_at desc, id desc limit $2`,
      [options.unacknowledged ?? false, options.limit ?? 100],
    );
    return rows.map(toAlert);
  }

  /** Marks an alert acknowledged (`frugal alerts check` then ignores it). Acknowledging twice keeps the first time. */
  async ack(id: number): Promise<BudgetAlert> {
    if (!Number.isSafeInteger(id) || id <= 0) throw new InputError(`alert id "${id}" is not a positive whole number`, 'give an id from `frugal alerts`');
    const { rows } = await this.pool.query<AlertRow>(
      `update budget_alerts set acknowledged_at = coalesce(acknowledged_at, now()) where id = $1 returning *`,
      [id],
    );
    if (!rows[0]) throw new InputError(`no alert with id ${id}`, 'see `frugal alerts` for the ids');
    return toAlert(rows[0]);
  }
}

interface AlertRow {
  id: number;
  kind: AlertKind;
  budget_id: number;
  budget_name: string;
  period_start: Date;
  threshold: number;
  spent_micros: string;
  limit_micros: string;
  hard: boolean;
  created_at: Date;
  delivery: AlertDelivery;
  attempts: number;
  delivered_at: Date | null;
  last_error: string | null;
  acknowledged_at: Date | null;
}

function toAlert(row: AlertRow): BudgetAlert {
  return {
    id: row.id,
    kind: row.kind,
    budgetId: row.budget_id,
    budgetName: row.budget_name,
    periodStart: row.period_start,
    threshold: row.threshold,
    spentMicros: Number(row.spent_micros),
    limitMicros: Number(row.limit_micros),
    hard: row.hard,
    createdAt: row.created_at,
    delivery: row.delivery,
    attempts: row.attempts,
    deliveredAt: row.delivered_at,
    lastError: row.last_error,
    acknowledgedAt: row.acknowledged_at,
  };
}
