import { sql } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import { syncResultCosts } from '../budget/sync-result-costs.js';
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
  /** What this attempt charged; replaced by the ledger's sum when `chargedByLedger`. */
  costMicros: number;
  calls: number;
  /**
   * The job's calls were reserved and settled in the ledger (budget accounting on): the result's
   * cost and calls are computed from its ledger rows in the same transaction, so they equal them
   * whatever deliveries, attempts and workers made the calls.
   */
  chargedByLedger: boolean;
  route: Route;
}

/** What a completed job was charged in all, as stored with its result. */
export interface ResultCharge {
  costMicros: number;
  calls: number;
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
  private readonly writes: GroupCommitter<CompletedJob, ResultCharge>;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
  ) {
    this.writes = new GroupCommitter((items) => this.write(items), { maxBatch: 500 });
  }

  /** Stores the result; answers the cost and calls stored with it. */
  complete(job: CompletedJob): Promise<ResultCharge> {
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

  private async write(group: CompletedJob[]): Promise<ResultCharge[]> {
    const now = new Date();
    // Postgres refuses an upsert touching one row twice; a redelivered job can share a group.
    const items = [...new Map(group.map((j) => [j.jobId, j])).values()];
    const charged = new Map<string, ResultCharge>();
    await withTransaction(this.pool, async (tx, client) => {
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
      const fromLedger = items.filter((j) => j.chargedByLedger).map((j) => j.jobId);
      for (const row of await syncResultCosts(client, fromLedger)) charged.set(row.jobId, row);
    });
    return group.map((j) => charged.get(j.jobId) ?? { costMicros: j.costMicros, calls: j.calls });
  }
}
