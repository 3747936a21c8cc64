import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One row per job frugal accepted. BullMQ holds the job while it runs; this row is what stays:
 * its parameters, its document, where it was routed and why, and how it ended.
 */
export const jobs = pgTable(
  'jobs',
  {
    jobId: text('job_id').primaryKey(),
    kind: text('kind').notNull(),
    tier: text('tier').notNull(),
    budgets: text('budgets').array().notNull().default(sql`'{}'::text[]`),
    private: boolean('private').notNull().default(false),
    priority: integer('priority'),
    /** The job's payload (documents included), kept until `frugal results prune`. */
    payload: jsonb('payload'),
    /** A chunk or combine job's parent (long documents). */
    parentId: text('parent_id'),
    status: text('status', { enum: ['queued', 'waiting_budget', 'in_batch', 'completed', 'failed', 'cancelled'] }).notNull().default('queued'),
    /** Set while waiting for budget: the budget that blocked the job and when room may appear. */
    waitingBudget: text('waiting_budget'),
    waitUntil: at('wait_until'),
    /** The latest route: the chosen model and why each other candidate lost. */
    route: jsonb('route'),
    error: text('error'),
    /** When the answer is needed (not part of the job id; a duplicate with an earlier one tightens it). */
    deadline: at('deadline'),
    /** The job ended after its deadline. */
    late: boolean('late').notNull().default(false),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('jobs_status_idx').on(t.status),
    index('jobs_waiting_budget_idx').on(t.waitingBudget).where(sql`${t.status} = 'waiting_budget'`),
    index('jobs_finished_idx').on(t.finishedAt),
    index('jobs_parent_idx').on(t.parentId),
  ],
);

/** The checked answer of a completed job, exactly once per job id. */
export const results = pgTable(
  'results',
  {
    jobId: text('job_id').primaryKey(),
    kind: text('kind').notNull(),
    /** The model whose answer passed the check. */
    model: text('model').notNull(),
    outputText: text('output_text').notNull(),
    outputJson: jsonb('output_json'),
    /** Sum of the settled cost of every call the job made (cascades and retries included). */
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull(),
    calls: integer('calls').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [index('results_created_idx').on(t.createdAt)],
);
