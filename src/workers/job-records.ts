import type { Queue } from 'bullmq';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema/jobs.js';
import type { JobSpec } from '../jobs/job-spec.js';
import type { Logger } from '../log.js';
import type { IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import type { Route } from '../router/route.js';
import { jobRow } from '../queue/job-row.js';

/**
 * The job rows in Postgres for the states a worker decides: waiting for budget (neither called
 * nor failed, delayed in BullMQ until the blocking budget's next period, shown by `frugal status`
 * and woken at once when a limit is raised) and failed. Completion is the ResultStore's.
 */
export class JobRecords {
  constructor(
    private readonly db: Db,
    private readonly queue: Queue<IntakeJobData, IntakeJobResult>,
    private readonly log: Logger,
  ) {}

  async markWaiting(jobId: string, spec: JobSpec, budget: string, until: Date, parentId: string | undefined, route: Route): Promise<void> {
    const now = new Date();
    await this.db
      .insert(jobs)
      .values({
        ...jobRow(jobId, spec, parentId),
        status: 'waiting_budget',
        waitingBudget: budget,
        waitUntil: until,
        route,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: jobs.jobId,
        set: { status: sql`'waiting_budget'`, waitingBudget: budget, waitUntil: until, route, updatedAt: now },
      });
  }

  /** A job that cannot succeed: its reason and its last route. */
  async markFailed(jobId: string, spec: JobSpec, parentId: string | undefined, error: string, route: Route | undefined): Promise<void> {
    const now = new Date();
    await this.db
      .insert(jobs)
      .values({ ...jobRow(jobId, spec, parentId), status: 'failed', error, route: route ?? null, updatedAt: now, finishedAt: now })
      .onConflictDoUpdate({
        target: jobs.jobId,
        set: { status: sql`'failed'`, error, route: route ?? null, waitingBudget: null, waitUntil: null, updatedAt: now, finishedAt: now },
      });
  }

  /** Clears a job's waiting mark once it runs again. */
  async stopWaiting(jobId: string): Promise<void> {
    await this.db
      .update(jobs)
      .set({ status: 'queued', waitingBudget: null, waitUntil: null, updatedAt: new Date() })
      .where(and(eq(jobs.jobId, jobId), eq(jobs.status, 'waiting_budget')));
  }

  /** How many jobs are waiting for budget now. */
  async countWaiting(): Promise<number> {
    return (await this.waitingSummary()).count;
  }

  /** How many jobs are waiting for budget now, and the soonest time one of them looks again. */
  async waitingSummary(): Promise<{ count: number; until: Date | undefined }> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int`, until: sql<string | null>`min(${jobs.waitUntil})` })
      .from(jobs)
      .where(eq(jobs.status, 'waiting_budget'));
    return { count: row?.n ?? 0, until: row?.until ? new Date(row.until) : undefined };
  }

  /** How many jobs are waiting in provider batches now. */
  async countInBatch(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(jobs).where(eq(jobs.status, 'in_batch'));
    return row?.n ?? 0;
  }

  /**
   * Moves the delayed jobs waiting on `budget` (or on any budget) back to the queue, so they try
   * again now. Called when a budget's limit is raised, and when a worker starts.
   */
  async wake(budget?: string): Promise<number> {
    const rows = await this.db
      .select({ jobId: jobs.jobId })
      .from(jobs)
      .where(budget === undefined ? eq(jobs.status, 'waiting_budget') : and(eq(jobs.status, 'waiting_budget'), eq(jobs.waitingBudget, budget)));
    let woken = 0;
    for (const { jobId } of rows) {
      const job = await this.queue.getJob(jobId);
      if (!job || !(await job.isDelayed())) continue;
      // Another worker may promote it first; that is the same outcome.
      await job.promote().then(
        () => woken++,
        () => {},
      );
    }
    if (woken > 0) this.log.info({ budget, woken }, 'woke jobs waiting for budget');
    return woken;
  }
}

