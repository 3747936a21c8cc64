import { DelayedError, type Job } from 'bullmq';
import { sql } from 'drizzle-orm';
import { DEADLINE_SLACK_MS } from '../batch/batch-eligible.js';
import type { BatchVendor } from '../batch/batch-vendor.js';
import type { ReserveRefused } from '../budget/types.js';
import { jobs } from '../db/schema/jobs.js';
import type { JobSpec } from '../jobs/job-spec.js';
import type { SummarizePayload } from '../jobs/summarize.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import type { Estimate } from '../pricing/estimate.js';
import type { ChatRequest, ChatResponse } from '../providers/types.js';
import { jobRow } from '../queue/job-row.js';
import type { IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import { priceInBatch } from '../router/price-in-batch.js';
import type { Route } from '../router/route.js';
import type { WorkerRuntime } from './worker-runtime.js';

type IntakeJob = Job<IntakeJobData, IntakeJobResult>;

/** How long past its window a batch-routed job waits before it looks again by itself. */
const WAIT_GRACE_MS = 3_600_000;

/** The batch call of a job waiting in delayed for its line (kept in job data across the wait). */
export interface BatchCallData {
  callId: string;
  modelId: string;
}

/** What a job resuming from its batch line learned. */
export type BatchResumption =
  | { kind: 'answer'; model: CatalogModel; response: ChatResponse; route: Route }
  | { kind: 'sync'; reason: string }
  | { kind: 'bad_request'; model: CatalogModel; reason: string };

/**
 * The batch path of a job (issue 14): routing prices a batch-eligible job's models in batch mode
 * too; when a batch call wins, the call's body is recorded for collection, its maximum cost is
 * reserved at the batch price, and the job waits in delayed (`jobs.status = 'in_batch'`) until
 * its line has been stored and settled; then it resumes from the stored answer.
 */
export class BatchPath {
  constructor(private readonly rt: WorkerRuntime) {}

  private vendor(provider: string): BatchVendor | undefined {
    return this.rt.batches?.vendors.get(provider);
  }

  /** The vendor window a job's deadline allows on this model, or undefined when it is not batch-eligible. */
  windowFor(job: IntakeJob, spec: JobSpec, model: CatalogModel): { window: string; ms: number } | undefined {
    if (!this.rt.batches || !this.rt.options.accounting || spec.deadline === undefined || model.batchDiscountPercent <= 0) return undefined;
    // Parts of split documents and their combine steps run synchronously in this version.
    if (spec.kind === 'summarize' && (spec.payload as SummarizePayload).part !== undefined) return undefined;
    const vendor = this.vendor(model.provider);
    if (!vendor) return undefined;
    return vendor.windowFor(Date.parse(spec.deadline) - job.timestamp + DEADLINE_SLACK_MS);
  }

  /** The estimate of the same call at the vendor's batch price. */
  priceInBatch(est: Estimate, model: CatalogModel): Estimate {
    return priceInBatch(est, model);
  }

  /**
   * Records the call's body for collection, before its reservation: a call row without a
   * reservation is never sent, while a reservation is never left without its call row.
   */
  async prepare(job: IntakeJob, spec: JobSpec, model: CatalogModel, callId: string, request: ChatRequest): Promise<void> {
    const window = this.windowFor(job, spec, model)!;
    const body = this.vendor(model.provider)!.buildBody(request);
    await this.rt.db.execute(
      sql`insert into provider_batch_calls (call_id, job_id, provider, model, body, completion_window, window_ms)
          values (${callId}, ${job.id!}, ${model.provider}, ${model.id}, ${JSON.stringify(body)}::jsonb, ${window.window}, ${window.ms})`,
    );
  }

  /** The reservation was refused: the call will not be collected. */
  async drop(callId: string): Promise<void> {
    await this.rt.db.execute(sql`update provider_batch_calls set state = 'dropped' where call_id = ${callId} and state = 'collecting'`);
  }

  /** Marks the job in a batch and moves it to delayed until its line settles (the coordinator promotes it). */
  async wait(job: IntakeJob, token: string | undefined, spec: JobSpec, model: CatalogModel, callId: string, decision: Route): Promise<never> {
    await this.rt.db.execute(sql`update ledger set mode = 'batch' where call_id = ${callId}`);
    const now = new Date();
    await this.rt.db
      .insert(jobs)
      .values({ ...jobRow(job.id!, spec, job.data.parentId), status: 'in_batch', route: decision, updatedAt: now })
      .onConflictDoUpdate({ target: jobs.jobId, set: { status: sql`'in_batch'`, route: decision, waitingBudget: null, waitUntil: null, updatedAt: now } });
    await job.updateData({ ...job.data, batchCall: { callId, modelId: model.id } });
    const window = this.windowFor(job, spec, model)?.ms ?? 86_400_000;
    this.rt.log.info({ jobId: job.id, model: model.id, callId }, 'routed to a provider batch');
    await job.moveToDelayed(Date.now() + window + WAIT_GRACE_MS, token);
    throw new DelayedError();
  }

  /**
   * A job woken while in a batch: its stored, settled line decides. A line not settled yet sends
   * the job back to wait (a wake-up for budget, or a poll still to come).
   */
  async resume(job: IntakeJob, token: string | undefined, spec: JobSpec, request: ChatRequest): Promise<BatchResumption> {
    const call = job.data.batchCall!;
    const { rows } = await this.rt.db.execute<{ state: string; outcome: string | null; line: { statusCode: number | null; body: unknown; errorCode: string | null } | null; route: Route | null }>(
      sql`select c.state, c.outcome, c.line, j.route from provider_batch_calls c left join jobs j on j.job_id = c.job_id where c.call_id = ${call.callId}`,
    );
    const row = rows[0];
    const model = this.rt.catalog.require(call.modelId);
    if (row && row.state !== 'settled' && row.state !== 'dropped') {
      await job.moveToDelayed(Date.now() + WAIT_GRACE_MS, token);
      throw new DelayedError();
    }
    const { batchCall: _, ...data } = job.data;
    await job.updateData(data);
    await this.rt.db.execute(sql`update jobs set status = 'queued', updated_at = now() where job_id = ${job.id!} and status = 'in_batch'`);
    if (!row || row.state === 'dropped') return { kind: 'sync', reason: 'the batch call was never collected' };
    if (row.outcome === 'succeeded' && row.line) {
      const vendor = this.vendor(model.provider);
      const route: Route = row.route ?? { modelId: model.id, mode: 'batch', blockedByBudget: false, learnedRating: false, candidates: [] };
      if (vendor) return { kind: 'answer', model, route, response: vendor.parseAnswer(row.line.body, { ...request, model: model.providerModelId }) };
    }
    if (row.outcome === 'bad_request') return { kind: 'bad_request', model, reason: `${model.id} refused the batch line (${row.line?.statusCode ?? '4xx'})` };
    return { kind: 'sync', reason: `batch line ended without an answer (${row.line?.statusCode ?? row.line?.errorCode ?? 'unknown'})` };
  }

  /** A call id of this job already collected or in a batch (its worker died before the job waited): adopt it. */
  async openCallOf(jobId: string): Promise<BatchCallData | undefined> {
    const { rows } = await this.rt.db.execute<{ call_id: string; model: string }>(
      sql`select c.call_id::text as call_id, c.model from provider_batch_calls c join ledger l on l.call_id = c.call_id
          where c.job_id = ${jobId} and c.state in ('collecting', 'submitted', 'stored', 'settled') and (c.state <> 'settled' or c.outcome = 'succeeded')
          and not exists (select 1 from results r where r.job_id = c.job_id)
          order by c.created_at desc limit 1`,
    );
    return rows[0] ? { callId: rows[0].call_id, modelId: rows[0].model } : undefined;
  }

  /**
   * Whether the room a sync call lacks is held by batch reservations (which settle only when
   * their batch ends): then the job is marked waiting for budget rather than retried every second.
   */
  async roomHeldByBatches(refusal: ReserveRefused): Promise<boolean> {
    const { rows } = await this.rt.db.execute<{ sync_held: string | null }>(
      sql`select sum(l.reserved_micros) as sync_held from ledger l
          join ledger_charges ch on ch.call_id = l.call_id join budgets b on b.id = ch.budget_id
          where b.name = ${refusal.blockingBudget} and l.status = 'reserved'
          and not exists (select 1 from provider_batch_calls c where c.call_id = l.call_id)`,
    );
    const left = refusal.limitMicros - refusal.spentMicros - refusal.reservedMicros;
    return left + Number(rows[0]?.sync_held ?? 0) < refusal.neededMicros;
  }

  /** Flags a job that ended after its deadline. */
  async markLateIfPast(jobId: string, spec: JobSpec): Promise<void> {
    if (spec.deadline === undefined || Date.now() <= Date.parse(spec.deadline)) return;
    await this.rt.db.execute(sql`update jobs set late = true where job_id = ${jobId}`);
  }
}
