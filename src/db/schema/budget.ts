import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Money is integer micro-dollars (1 USD = 1,000,000). Postgres stores bigint; JavaScript
 * reads it as a number, exact up to 2^53 micro-dollars (about nine billion dollars).
 */
const micros = (name: string) => bigint(name, { mode: 'number' });
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const budgets = pgTable(
  'budgets',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    limitMicros: micros('limit_micros').notNull(),
    /** `day`, `week`, `month` (calendar, in `tz`) or `total` (never resets). */
    period: text('period', { enum: ['day', 'week', 'month', 'total'] }).notNull(),
    tz: text('tz').notNull().default('UTC'),
    /** Hard budgets block spending; soft ones only alert. */
    hard: boolean('hard').notNull().default(true),
    /** Alert thresholds in percent of the limit. */
    thresholds: integer('thresholds').array().notNull().default(sql`'{50,80,100}'::integer[]`),
    /** `named` (jobs that name it), `global` (every job) or `kind:<kind>`. */
    scope: text('scope').notNull().default('named'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('budgets_limit_nonnegative', sql`${t.limitMicros} >= 0`),
    check('budgets_period_known', sql`${t.period} in ('day', 'week', 'month', 'total')`),
  ],
);

/** One row per budget per period, created on first use; a new period starts at zero by itself. */
export const budgetPeriods = pgTable(
  'budget_periods',
  {
    budgetId: integer('budget_id').notNull().references(() => budgets.id, { onDelete: 'cascade' }),
    periodStart: at('period_start').notNull(),
    /** Null for `total` budgets. */
    periodEnd: at('period_end'),
    spentMicros: micros('spent_micros').notNull().default(0),
    reservedMicros: micros('reserved_micros').notNull().default(0),
    overrunCount: integer('overrun_count').notNull().default(0),
    overrunMicros: micros('overrun_micros').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.budgetId, t.periodStart] }),
    check('budget_periods_nonnegative', sql`${t.spentMicros} >= 0 and ${t.reservedMicros} >= 0`),
  ],
);

/** Every provider call has exactly one row, written before the call is made. */
export const ledger = pgTable(
  'ledger',
  {
    callId: uuid('call_id').primaryKey(),
    jobId: text('job_id').notNull(),
    attempt: integer('attempt').notNull().default(0),
    /** Order of the call within its attempt (a cascade makes several). */
    seq: integer('seq').notNull().default(0),
    kind: text('kind').notNull(),
    model: text('model').notNull(),
    provider: text('provider').notNull(),
    estInputTokens: integer('est_input_tokens').notNull().default(0),
    estOutputTokens: integer('est_output_tokens').notNull().default(0),
    estCostMicros: micros('est_cost_micros').notNull().default(0),
    actInputTokens: integer('act_input_tokens'),
    actCachedInputTokens: integer('act_cached_input_tokens'),
    actOutputTokens: integer('act_output_tokens'),
    reservedMicros: micros('reserved_micros').notNull(),
    costMicros: micros('cost_micros'),
    status: text('status', { enum: ['reserved', 'settled', 'released', 'closed_as_spent'] }).notNull().default('reserved'),
    /** Actual cost exceeded the reservation. */
    overrun: boolean('overrun').notNull().default(false),
    /** The provider reported no usable usage; the cost was estimated. */
    usageEstimated: boolean('usage_estimated').notNull().default(false),
    startedAt: at('started_at').notNull().defaultNow(),
    settledAt: at('settled_at'),
    error: text('error'),
  },
  (t) => [
    index('ledger_job_idx').on(t.jobId),
    index('ledger_open_idx').on(t.startedAt).where(sql`${t.status} = 'reserved'`),
    index('ledger_kind_model_idx').on(t.kind, t.model, t.settledAt),
    check('ledger_status_known', sql`${t.status} in ('reserved', 'settled', 'released', 'closed_as_spent')`),
  ],
);

/** Which budget periods a call's reservation was taken on, so settlement moves exactly those. */
export const ledgerCharges = pgTable(
  'ledger_charges',
  {
    callId: uuid('call_id').notNull().references(() => ledger.callId, { onDelete: 'cascade' }),
    budgetId: integer('budget_id').notNull().references(() => budgets.id, { onDelete: 'restrict' }),
    periodStart: at('period_start').notNull(),
  },
  (t) => [primaryKey({ columns: [t.callId, t.budgetId] }), index('ledger_charges_budget_idx').on(t.budgetId, t.periodStart)],
);
