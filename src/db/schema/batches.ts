import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One submission to a vendor's batch API (a *provider batch*). Written in state `submitting`
 * before the vendor is called (write ahead); frugal's id travels in the vendor batch's metadata
 * so a submission whose answer was lost is found again by the reconciler.
 */
export const providerBatches = pgTable(
  'provider_batches',
  {
    id: uuid('id').primaryKey(),
    provider: text('provider').notNull(),
    /** Catalog model id. */
    model: text('model').notNull(),
    providerModelId: text('provider_model_id').notNull(),
    /** `submitting` → `submitted` → `downloaded` → `collected`; `abandoned`: never reached the vendor. */
    state: text('state', { enum: ['submitting', 'submitted', 'downloaded', 'collected', 'abandoned'] }).notNull().default('submitting'),
    vendorBatchId: text('vendor_batch_id'),
    /** The vendor's own status (`validating`, `in_progress`, `completed`, `expired`…). */
    vendorStatus: text('vendor_status'),
    inputFileId: text('input_file_id'),
    outputFileId: text('output_file_id'),
    errorFileId: text('error_file_id'),
    completionWindow: text('completion_window').notNull(),
    requestCount: integer('request_count').notNull(),
    completedCount: integer('completed_count'),
    failedCount: integer('failed_count'),
    createdAt: at('created_at').notNull().defaultNow(),
    submittedAt: at('submitted_at'),
    /** When the vendor's window ends; the reconciler's judgement of staleness starts after it plus a grace. */
    expiresAt: at('expires_at').notNull(),
    finishedAt: at('finished_at'),
    /** The poller's lease: whoever moves it forward owns the batch until then. */
    leaseUntil: at('lease_until').notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    error: text('error'),
  },
  (t) => [
    index('provider_batches_open_idx').on(t.leaseUntil).where(sql`${t.state} in ('submitting', 'submitted', 'downloaded')`),
    check('provider_batches_state_known', sql`${t.state} in ('submitting', 'submitted', 'downloaded', 'collected', 'abandoned')`),
  ],
);

/**
 * One batch-routed call: its request body, kept from collection to submission, and the vendor's
 * result line, stored before it is settled so settlement and job promotion redo from it.
 */
export const providerBatchCalls = pgTable(
  'provider_batch_calls',
  {
    /** The ledger call id, sent as the line's `custom_id`. */
    callId: uuid('call_id').primaryKey(),
    jobId: text('job_id').notNull(),
    provider: text('provider').notNull(),
    /** Catalog model id. */
    model: text('model').notNull(),
    providerBatchId: uuid('provider_batch_id').references(() => providerBatches.id),
    /** The Chat Completions body sent for this call. */
    body: jsonb('body').notNull(),
    /** The vendor window the call's deadline allows; calls are grouped by it. */
    completionWindow: text('completion_window').notNull(),
    windowMs: bigint('window_ms', { mode: 'number' }).notNull(),
    /** `collecting` → `submitted` → `stored` → `settled`; `dropped`: released before submission. */
    state: text('state', { enum: ['collecting', 'submitted', 'stored', 'settled', 'dropped'] }).notNull().default('collecting'),
    /** `succeeded`; `bad_request` (a 4xx line: the job fails); `fallback` (expired, cancelled, 5xx: a synchronous call). */
    outcome: text('outcome', { enum: ['succeeded', 'bad_request', 'fallback'] }),
    /** The vendor's result line as downloaded. */
    line: jsonb('line'),
    createdAt: at('created_at').notNull().defaultNow(),
    storedAt: at('stored_at'),
    settledAt: at('settled_at'),
  },
  (t) => [
    index('provider_batch_calls_batch_idx').on(t.providerBatchId),
    index('provider_batch_calls_collecting_idx').on(t.provider, t.model, t.createdAt).where(sql`${t.state} = 'collecting'`),
    index('provider_batch_calls_job_idx').on(t.jobId),
    check('provider_batch_calls_state_known', sql`${t.state} in ('collecting', 'submitted', 'stored', 'settled', 'dropped')`),
    check('provider_batch_calls_outcome_known', sql`${t.outcome} is null or ${t.outcome} in ('succeeded', 'bad_request', 'fallback')`),
  ],
);
