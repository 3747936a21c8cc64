import type { Queue } from 'bullmq';
import { and, eq, or, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { BudgetLedger } from '../budget/budget-ledger.js';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema/jobs.js';
import type { JobSpec } from '../jobs/job-spec.js';
import type { Kind, Tier } from '../pricing/types.js';
import { JobStateError } from '../queue/job-state-error.js';
import type { IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import { UnknownJobError } from '../queue/unknown-job-error.js';

type JobRow = typeof jobs.$inferSelect;

export interface RetryOutcome {
  /** The job put back on the queue (the whole document when a part of one was named). */
  jobId: string;
  /** The id asked for, when it was a part of `jobId`. */
  requestedId: string;
}

export interface CancelOutcome {
  jobId: string;
  requestedId: string;
  /** Job rows marked cancelled (the job and its unfinished parts). */
  cancelledJobs: number;
  /** Open reservations given back. */
  releasedCalls: number;
  releasedMicros: number;
}

export interface BatchOutcome<T> {
  done: T[];
  /** Jobs that could not be handled, with the reason (a running job cannot be cancelled). */
  skipped: Array<{ jobId: string; reason: string }>;
}

/**
 * What operators do to jobs by hand: retry failed ones and cancel queued or waiting ones. A part
 * of a long document (a chunk or combine job) is handled through its document's job, since the
 * parts only make sense together.
 */
export class JobControl {
  constructor(
    private readonly queue: Queue<IntakeJobData, IntakeJobResult>,
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly ledger: BudgetLedger,
  ) {}

  /**
   * Puts a failed job back on the queue from its stored parameters and document, under the same
   * id; a long document is split again by the worker. Throws UnknownJobError, or JobStateError
   * when the job did not fail, is running, or its document was pruned.
   */
  async retry(jobId: string): Promise<RetryOutcome> {
    const root = await this.rootOf(jobId);
    const existing = await this.queue.getJob(root.jobId);
    const state = existing ? await existing.getState() : undefined;
    // A document whose part failed is failed in BullMQ even when its own row was never marked.
    if (root.status !== 'failed' && state !== 'failed') {
      throw new JobStateError(`job "${root.jobId}" is ${describeStatus(root.status)}, not failed`, 'only failed jobs are retried; `frugal enqueue --force` runs finished work again');
    }
    if (root.payload === null) {
      throw new JobStateError(`job "${root.jobId}" cannot be retried: its document was pruned`, 'enqueue the document again');
    }
    if (existing) {
      if (state === 'active') throw new JobStateError(`job "${root.jobId}" is running now`, 'wait for it to finish');
      await existing.remove({ removeChildren: true }).catch((error: unknown) => {
        throw new JobStateError(`job "${root.jobId}" cannot be retried now: ${(error as Error).message}`, 'a part of it is running; try again in a moment');
      });
    }
    const spec: JobSpec = {
      kind: root.kind as Kind,
      tier: root.tier as Tier,
      payload: root.payload,
      budgets: root.budgets,
      private: root.private,
      ...(root.priority === null ? {} : { priority: root.priority }),
    };
    await this.db
      .update(jobs)
      .set({ status: 'queued', error: null, finishedAt: null, waitingBudget: null, waitUntil: null, updatedAt: new Date() })
      .where(and(this.familyOf(root.jobId), sql`${jobs.status} <> 'completed'`));
    await this.queue.add(spec.kind, { spec }, { jobId: root.jobId, ...(spec.priority === undefined ? {} : { priority: spec.priority }) });
    return { jobId: root.jobId, requestedId: jobId };
  }

  /** Retries every failed job. */
  async retryAllFailed(): Promise<BatchOutcome<RetryOutcome>> {
    // Parts included: each leads to its document, retried once.
    const rows = await this.db.select({ jobId: jobs.jobId }).from(jobs).where(eq(jobs.status, 'failed')).orderBy(jobs.jobId);
    return this.each(rows.map((r) => r.jobId), (id) => this.retry(id));
  }

  /**
   * Cancels a job that has not finished: removes it (and its parts) from the queue, marks its
   * rows cancelled and gives back any reservation still open on its calls. A running job cannot
   * be cancelled (its call is in flight). Enqueueing the same work again runs it again.
   */
  async cancel(jobId: string): Promise<CancelOutcome> {
    const root = await this.rootOf(jobId);
    if (root.status === 'completed' || root.status === 'cancelled') {
      throw new JobStateError(`job "${root.jobId}" is already ${root.status}`, 'nothing to cancel');
    }
    const existing = await this.queue.getJob(root.jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') throw new JobStateError(`job "${root.jobId}" is running now and cannot be cancelled mid-call`, 'wait for it to finish, or cancel it once it waits again');
      await existing.remove({ removeChildren: true }).catch((error: unknown) => {
        throw new JobStateError(`job "${root.jobId}" cannot be cancelled now: ${(error as Error).message}`, 'a part of it is running; try again in a moment');
      });
    }
    const now = new Date();
    const cancelled = await this.db
      .update(jobs)
      .set({ status: 'cancelled', waitingBudget: null, waitUntil: null, finishedAt: now, updatedAt: now })
      .where(and(this.familyOf(root.jobId), sql`${jobs.status} <> 'completed'`))
      .returning({ jobId: jobs.jobId });
    const { rows: open } = await this.pool.query<{ call_id: string; reserved_micros: string }>(
      // A call already in a provider batch is billed if answered: it stays reserved until its line settles.
      `select call_id::text as call_id, reserved_micros from ledger where status = 'reserved' and (job_id = $1 or starts_with(job_id, $1 || '-L'))
         and not exists (select 1 from provider_batch_calls c where c.call_id = ledger.call_id and c.state <> 'collecting')`,
      [root.jobId],
    );
    let releasedCalls = 0;
    let releasedMicros = 0;
    for (const call of open) {
      const released = await this.ledger.release(call.call_id, 'job cancelled');
      if (released.released) {
        releasedCalls++;
        releasedMicros += Number(call.reserved_micros);
      }
    }
    await this.pool.query(`update provider_batch_calls set state = 'dropped' where state = 'collecting' and (job_id = $1 or starts_with(job_id, $1 || '-L'))`, [root.jobId]);
    return { jobId: root.jobId, requestedId: jobId, cancelledJobs: cancelled.length, releasedCalls, releasedMicros };
  }

  /** Cancels every job waiting for budget. */
  async cancelAllWaiting(): Promise<BatchOutcome<CancelOutcome>> {
    const rows = await this.db.select({ jobId: jobs.jobId }).from(jobs).where(eq(jobs.status, 'waiting_budget')).orderBy(jobs.jobId);
    return this.each(rows.map((r) => r.jobId), (id) => this.cancel(id));
  }

  private async each<T extends { jobId: string }>(ids: string[], action: (id: string) => Promise<T>): Promise<BatchOutcome<T>> {
    const outcome: BatchOutcome<T> = { done: [], skipped: [] };
    const seen = new Set<string>();
    for (const id of ids) {
      try {
        const root = (await this.rootOf(id)).jobId;
        if (seen.has(root)) continue;
        seen.add(root);
        outcome.done.push(await action(root));
      } catch (error) {
        if (!(error instanceof JobStateError)) throw error;
        outcome.skipped.push({ jobId: id, reason: error.message });
      }
    }
    return outcome;
  }

  /** The job row of the document a job belongs to (itself when it is not a part). */
  private async rootOf(jobId: string): Promise<JobRow> {
    let id = jobId;
    for (let depth = 0; depth < 32; depth++) {
      const [row] = await this.db.select().from(jobs).where(eq(jobs.jobId, id));
      if (row) {
        if (row.parentId === null) return row;
        id = row.parentId;
        continue;
      }
      // Parts get their row when they finish; a queued part is known from its BullMQ job.
      const queued = await this.queue.getJob(id);
      if (!queued?.data.parentId) break;
      id = queued.data.parentId;
    }
    throw new UnknownJobError(jobId);
  }

  /** The job and every part of it (parts' ids extend their document's id, see childJobId). */
  private familyOf(rootId: string) {
    return or(eq(jobs.jobId, rootId), sql`starts_with(${jobs.jobId}, ${`${rootId}-L`})`)!;
  }
}

function describeStatus(status: string): string {
  return status === 'waiting_budget' ? 'waiting for budget' : status;
}
