import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import { GroupCommitter } from '../db/group-committer.js';
import { withTransaction } from '../db/with-transaction.js';
import { jobs, results } from '../db/schema/jobs.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { jobRow } from '../queue/job-row.js';
import type { Route } from '../router/route.js';

export interface CompletedJob {
  jobId: string;
  spec: JobSpec;
  parentId: string | undefined;
  model: string;
  outputText: string;
  outputJson: unknown;
  costMicros: number;
  calls: number;
  route: Route;
}

export interface StoredResult {
  model: string;
  outputText: string;
  outputJson: unknown;
  costMicros: number;
}

/**
 * Writes completed jobs (their result row and their job row) to Postgres, grouping the jobs that
 * finish together into one transaction. Idempotent by job id: a redelivered job's second result
 * changes nothing.
 */
export class ResultStore {
  private readonly writes: GroupCommitter<CompletedJob, void>;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
  ) {
    this.writes = new GroupCommitter((items) => this.write(items), { maxBatch: 500 });
  }

  complete(job: CompletedJob): Promise<void> {
    return this.writes.submit(job);
  }

  /** The stored result of a job, if it has one (a redelivered job completes from it without a call). */
  async find(jobId: string): Promise<StoredResult | undefined> {
    const [row] = await this.db
      .select({ model: results.model, outputText: results.outputText, outputJson: results.outputJson, costMicros: results.costMicros })
      .from(results)
      .where(sql`${results.jobId} = ${jobId}`);
    return row;
  }

  async drain(): Promise<void> {
    await this.writes.drain();
  }

  private async write(group: CompletedJob[]): Promise<void[]> {
    const now = new Date();
    // Postgres refuses an upsert touching one row twice; a redelivered job can share a group.
    const items = [...new Map(group.map((j) => [j.jobId, j])).values()];
    await withTransaction(this.pool, async (tx) => {
      await tx
        .insert(results)
        .values(
          items.map((j) => ({
            jobId: j.jobId,
            kind: j.spec.kind,
            model: j.model,
            outputText: j.outputText,
            outputJson: j.outputJson ?? null,
            costMicros: j.costMicros,
            calls: j.calls,
            createdAt: now,
          })),
        )
        .onConflictDoNothing();
      await tx
        .insert(jobs)
        .values(
          items.map((j) => ({
            ...jobRow(j.jobId, j.spec, j.parentId),
            status: 'completed' as const,
            route: j.route,
            updatedAt: now,
            finishedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: jobs.jobId,
          set: {
            status: sql`'completed'`,
            route: sql`excluded.route`,
            waitingBudget: sql`null`,
            waitUntil: sql`null`,
            error: sql`null`,
            updatedAt: sql`excluded.updated_at`,
            finishedAt: sql`excluded.finished_at`,
          },
        });
    });
    return group.map(() => undefined);
  }
}
