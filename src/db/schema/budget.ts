import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, primaryKey, serial, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

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
    /** Deadline given to jobs naming this budget that have none of their own, in seconds from enqueue. */
    defaultDeadlineSeconds: integer('default_deadline_seconds'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('budgets_limit_nonnegative', sql`${t.limitMicros} >= 0`),
    check('budgets_period_known', sql`${t.period} in ('day', 'week', 'month', 'total')`),
    check('budgets_scope_known', sql`${t.scope} = 'named' or ${t.scope} = 'global' or ${t.scope} like 'kind:_%'`),
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
    /** Reservations refused on this budget in this period (no room, or larger than the limit). */
    refusedCount: integer('refused_count').notNull().default(0),
    /**
     * Last refusal that no settlement could cure (spent alone leaves too little room): the budget
     * is exhausted until its period ends or it is changed after this instant.
     */
    exhaustedAt: at('exhausted_at'),
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
    /** The part of `act_output_tokens` the model spent thinking (Usage.reasoningTokens); 0 when none was reported. */
    reasoningTokens: integer('reasoning_tokens'),
    reservedMicros: micros('reserved_micros').notNull(),
    costMicros: micros('cost_micros'),
    status: text('status', { enum: ['reserved', 'settled', 'released', 'closed_as_spent'] }).notNull().default('reserved'),
    /** Actual cost exceeded the reservation. */
    overrun: boolean('overrun').notNull().default(false),
    /** The provider reported no usable usage; the cost was estimated. */
    usageEstimated: boolean('usage_estimated').notNull().default(false),
    /** Closed by `closeStale` because its worker was presumed dead; stays set if a late settlement corrects it. */
    closedStale: boolean('closed_stale').notNull().default(false),
    startedAt: at('started_at').notNull().defaultNow(),
    settledAt: at('settled_at'),
    error: text('error'),
    /** `sync` (a synchronous request) or `batch` (a line of a provider batch, at the batch price). */
    mode: text('mode', { enum: ['sync', 'batch'] }).notNull().default('sync'),
    /** The provider batch of a `batch` call. */
    providerBatchId: uuid('provider_batch_id'),
    /**
     * The worker process that reserved the call (`host/pid/instance`), from the connection's
     * `frugal.worker_id` setting; null for rows of other processes. The job fence names it.
     */
    workerId: text('worker_id').default(sql`nullif(current_setting('frugal.worker_id', true), '')`),
    /** `job`, or `eval`/`judge` for eval calls (never charged to `kind:` budgets, left out of job figures). */
    purpose: text('purpose', { enum: ['job', 'eval', 'judge'] }).notNull().default('job'),
  },
  (t) => [
    index('ledger_job_idx').on(t.jobId),
    index('ledger_open_idx').on(t.startedAt).where(sql`${t.status} = 'reserved'`),
    index('ledger_kind_model_idx').on(t.kind, t.model, t.settledAt),
    // Spend and reports select calls by the day they started.
    index('ledger_started_idx').on(t.startedAt),
    index('ledger_provider_batch_idx').on(t.providerBatchId).where(sql`${t.providerBatchId} is not null`),
    check('ledger_status_known', sql`${t.status} in ('reserved', 'settled', 'released', 'closed_as_spent')`),
    check('ledger_purpose_known', sql`${t.purpose} in ('job', 'eval', 'judge')`),
  ],
);

/** Which budget periods a call's reservation was taken on, so settlement moves exactly those. */
export const ledgerCharges = pgTable(
  'ledger_charges',
  {
    callId: uuid('call_id').notNull().references(() => ledger.callId, { onDelete: 'cascade' }),
    // Deleting a budget (refused while it has open reservations) removes its charges; the
    // ledger rows themselves, the record of every call, stay.
    budgetId: integer('budget_id').notNull().references(() => budgets.id, { onDelete: 'cascade' }),
    periodStart: at('period_start').notNull(),
  },
  (t) => [primaryKey({ columns: [t.callId, t.budgetId] }), index('ledger_charges_budget_idx').on(t.budgetId, t.periodStart)],
);

/**
 * One row per threshold crossed per budget per period: the unique key makes the crossing recorded
 * exactly once however many workers cross it together. Delivery state lives on the row so a
 * pending alert survives the death of the process that recorded it.
 */
export const budgetAlerts = pgTable(
  'budget_alerts',
  {
    id: serial('id').primaryKey(),
    budgetId: integer('budget_id').notNull().references(() => budgets.id, { onDelete: 'cascade' }),
    budgetName: text('budget_name').notNull(),
    periodStart: at('period_start').notNull(),
    /**
     * `threshold`: spending crossed `threshold` percent of the limit. `exhausted`: a hard budget
     * first refused a job, which now waits (stored with threshold 0, so the unique key below
     * records it once per budget and period too).
     */
    kind: text('kind', { enum: ['threshold', 'exhausted'] }).notNull().default('threshold'),
    /** Percent of the limit (0 for an `exhausted` alert). */
    threshold: integer('threshold').notNull(),
    spentMicros: micros('spent_micros').notNull(),
    limitMicros: micros('limit_micros').notNull(),
    hard: boolean('hard').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    delivery: text('delivery', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** When the next delivery attempt is due (also the lease of an attempt in progress). */
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    deliveredAt: at('delivered_at'),
    /** Last delivery error; never holds the webhook URL. */
    lastError: text('last_error'),
    acknowledgedAt: at('acknowledged_at'),
  },
  (t) => [
    unique('budget_alerts_once').on(t.budgetId, t.periodStart, t.threshold),
    index('budget_alerts_pending_idx').on(t.nextAttemptAt).where(sql`${t.delivery} = 'pending'`),
    check('budget_alerts_delivery_known', sql`${t.delivery} in ('pending', 'delivered', 'failed')`),
    check('budget_alerts_kind_known', sql`${t.kind} in ('threshold', 'exhausted')`),
  ],
);
