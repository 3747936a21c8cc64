import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, doublePrecision, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One `frugal eval` run: the kind, the reference, the candidates, the parameters and the figures. */
export const evalRuns = pgTable('eval_runs', {
  id: serial('id').primaryKey(),
  kind: text('kind').notNull(),
  /** Catalog id of the model every candidate's answer was compared with. */
  reference: text('reference').notNull(),
  models: text('models').array().notNull(),
  params: jsonb('params').notNull(),
  /** The run's table (EvalSummary), written when it finished. */
  summary: jsonb('summary'),
  /** Every eval and judge call of the run, settled. */
  costMicros: bigint('cost_micros', { mode: 'number' }).notNull().default(0),
  startedAt: at('started_at').notNull().defaultNow(),
  finishedAt: at('finished_at'),
});

/** One candidate's answer to one replayed job, scored against the reference: the evidence of learned ratings. */
export const evalItems = pgTable(
  'eval_items',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: integer('run_id').notNull().references(() => evalRuns.id, { onDelete: 'cascade' }),
    jobId: text('job_id').notNull(),
    kind: text('kind').notNull(),
    model: text('model').notNull(),
    /** The model's reasoning setting during the eval ('' = the catalog's default). */
    reasoning: text('reasoning').notNull().default(''),
    reference: text('reference').notNull(),
    /** The pairwise judge (summarize, report). */
    judge: text('judge'),
    agree: boolean('agree').notNull(),
    /** The judge's two verdicts disagreed with each other (counted as agreement). */
    flip: boolean('flip').notNull().default(false),
    /** Extract: share of required fields equal to the reference's. */
    fieldAgreement: doublePrecision('field_agreement'),
    reason: text('reason').notNull(),
    answer: text('answer'),
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [unique('eval_items_once').on(t.runId, t.model, t.jobId), index('eval_items_evidence_idx').on(t.model, t.kind, t.reasoning, t.createdAt)],
);

/** Learned ratings in force: one row per (model, kind) overrides the catalog rating until `ratings reset`. */
export const learnedRatings = pgTable(
  'learned_ratings',
  {
    model: text('model').notNull(),
    kind: text('kind').notNull(),
    rating: text('rating', { enum: ['none', 'basic', 'standard', 'advanced', 'premium'] }).notNull(),
    catalogRating: text('catalog_rating').notNull(),
    /** Items, agreement and its Wilson interval the rating was learned from. */
    evidence: jsonb('evidence').notNull(),
    appliedAt: at('applied_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'learned_ratings_model_kind_pk', columns: [t.model, t.kind] }),
    check('learned_ratings_rating_known', sql`${t.rating} in ('none', 'basic', 'standard', 'advanced', 'premium')`),
  ],
);
