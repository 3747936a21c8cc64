import type { FlowProducer, Queue } from 'bullmq';
import { and, eq, gt, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { budgets as budgetTable } from '../db/schema/budget.js';
import { jobs, results } from '../db/schema/jobs.js';
import { JOB_KINDS } from '../jobs/index.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { splitDocument } from '../jobs/split-document.js';
import type { SummarizePayload } from '../jobs/summarize.js';
import type { Calibration } from '../pricing/calibration.js';
import type { Catalog } from '../pricing/catalog.js';
import { outputCap } from '../pricing/estimate.js';
import { countTokens } from '../pricing/tokenizer.js';
import type { ProviderId } from '../pricing/types.js';
import { chunkTokensFor } from '../router/chunk-size.js';
import { jobIdFor } from './job-id.js';
import { jobRow } from './job-row.js';
import { chunkJobs, combineSpec } from './long-documents.js';
import { INTAKE_QUEUE, type IntakeJobData, type IntakeJobResult } from './queues.js';

export interface ProducerOptions {
  /** Largest piece of a long document summarized in one call (cl100k_base tokens). Default 12,000. */
  chunkTokens?: number;
  /** Whether a provider is configured, for sizing chunks. Default: every provider. */
  providerUsable?: (provider: ProviderId) => boolean;
}

export type EnqueueStatus =
  /** Added to the queue. */
  | 'queued'
  /** The same job is already queued, running or failed: nothing added. */
  | 'duplicate'
  /** The same job already has a result in Postgres: nothing added, nothing spent. */
  | 'done';

export interface EnqueueOutcome {
  jobId: string;
  status: EnqueueStatus;
  /** For a long document: the number of chunk jobs it was split into. */
  chunks?: number;
}

/**
 * Puts validated jobs on the intake queue. Job ids derive from content and parameters and are
 * checked against the results in Postgres, so enqueueing the same work twice neither duplicates
 * it nor spends twice, even after Redis has forgotten the job; `force` runs it again under a new
 * id. A long document becomes a BullMQ flow: chunk jobs as children, the combining job as parent.
 */
export class Producer {
  private readonly chunkTokens: number;
  private readonly providerUsable: (provider: ProviderId) => boolean;

  constructor(
    private readonly queue: Queue<IntakeJobData, IntakeJobResult>,
    private readonly flows: FlowProducer,
    private readonly db: Db,
    private readonly catalog: Catalog,
    private readonly calibration: Calibration,
    options: ProducerOptions = {},
  ) {
    this.chunkTokens = options.chunkTokens ?? 12_000;
    this.providerUsable = options.providerUsable ?? (() => true);
  }

  /**
   * Options: `force` runs jobs with results again under new ids; `defaultDeadlines` (default
   * true) gives a job without a deadline the earliest default deadline among its budgets.
   */
  async enqueue(given: readonly JobSpec[], options: { force?: boolean; defaultDeadlines?: boolean } = {}): Promise<EnqueueOutcome[]> {
    if (given.length === 0) return [];
    const specs = options.defaultDeadlines === false ? given : await this.withDefaultDeadlines(given);
    const forceSuffix = options.force ? `-r${Date.now().toString(36)}` : '';
    const ids = specs.map((spec) => jobIdFor(spec) + forceSuffix);
    const done = options.force ? new Set<string>() : await this.withResults(ids);

    const fresh: Array<{ jobId: string; spec: JobSpec }> = [];
    const outcomes = new Map<string, EnqueueOutcome>();
    const seen = new Set<string>();
    specs.forEach((spec, i) => {
      const jobId = ids[i]!;
      // The same job twice in one call is one job (and one row to write).
      if (seen.has(jobId)) return;
      seen.add(jobId);
      if (done.has(jobId)) outcomes.set(jobId, { jobId, status: 'done' });
      else fresh.push({ jobId, spec });
    });
    const recorded = await this.record(fresh);
    await this.tightenDeadlines(fresh.filter((job) => job.spec.deadline !== undefined && !recorded.has(job.jobId)));

    const plain: Array<{ jobId: string; spec: JobSpec }> = [];
    for (const job of fresh) {
      const chunks = this.chunksOf(job.spec);
      if (chunks) {
        // Adding a flow whose parent exists already is a no-op in BullMQ; no need to check.
        await this.flows.add({
          name: job.spec.kind,
          queueName: INTAKE_QUEUE,
          data: { spec: combineSpec(job.spec, chunks.length), level: 0 } satisfies IntakeJobData,
          opts: { jobId: job.jobId, ...priority(job.spec) },
          children: chunkJobs(job.jobId, job.spec, chunks, 0).map((child) => ({
            name: child.name,
            queueName: INTAKE_QUEUE,
            data: child.data,
            opts: { ...child.opts, failParentOnFailure: true },
          })),
        });
        outcomes.set(job.jobId, { jobId: job.jobId, status: recorded.has(job.jobId) ? 'queued' : 'duplicate', chunks: chunks.length });
      } else {
        plain.push(job);
      }
    }
    for (let i = 0; i < plain.length; i += 1_000) {
      const slice = plain.slice(i, i + 1_000);
      await this.queue.addBulk(slice.map((job) => ({ name: job.spec.kind, data: { spec: job.spec }, opts: { jobId: job.jobId, ...priority(job.spec) } })));
      for (const job of slice) outcomes.set(job.jobId, { jobId: job.jobId, status: recorded.has(job.jobId) ? 'queued' : 'duplicate' });
    }
    return ids.map((id) => outcomes.get(id)!);
  }

  /**
   * The chunks of a summarize job's document when it is longer than one call can take, or
   * undefined.
   */
  chunksOf(spec: JobSpec): string[] | undefined {
    if (spec.kind !== 'summarize') return undefined;
    const payload = spec.payload as SummarizePayload;
    if (payload.part) return undefined;
    const prompt = JOB_KINDS.summarize.buildPrompt(payload);
    const limit = chunkTokensFor(this.catalog.list(), this.calibration, {
      kind: spec.kind,
      tier: spec.tier,
      private: spec.private,
      outputTokens: outputCap('maxWords' in prompt.outputCap ? { maxWords: prompt.outputCap.maxWords } : { maxOutputTokens: prompt.outputCap.maxTokens }) ?? 4_096,
      chunkTokens: this.chunkTokens,
      providerUsable: this.providerUsable,
    });
    if (limit <= 0 || countTokens(payload.text, 'cl100k_base') <= limit) return undefined;
    return splitDocument(payload.text, limit, 'cl100k_base');
  }

  /** Jobs without a deadline get the earliest default deadline among the budgets they name. */
  private async withDefaultDeadlines(specs: readonly JobSpec[]): Promise<readonly JobSpec[]> {
    const names = [...new Set(specs.filter((s) => s.deadline === undefined).flatMap((s) => s.budgets))];
    if (names.length === 0) return specs;
    const rows = await this.db
      .select({ name: budgetTable.name, seconds: budgetTable.defaultDeadlineSeconds })
      .from(budgetTable)
      .where(and(inArray(budgetTable.name, names), isNotNull(budgetTable.defaultDeadlineSeconds)));
    if (rows.length === 0) return specs;
    const seconds = new Map(rows.map((r) => [r.name, r.seconds!]));
    const now = Date.now();
    return specs.map((spec) => {
      if (spec.deadline !== undefined) return spec;
      const own = spec.budgets.map((b) => seconds.get(b)).filter((s): s is number => s !== undefined);
      return own.length === 0 ? spec : { ...spec, deadline: new Date(now + Math.min(...own) * 1000).toISOString() };
    });
  }

  /**
   * A job enqueued again with an earlier deadline tightens the stored one, in Postgres and in the
   * queued job's data; a later deadline changes nothing.
   */
  private async tightenDeadlines(list: Array<{ jobId: string; spec: JobSpec }>): Promise<void> {
    for (const { jobId, spec } of list) {
      const deadline = new Date(spec.deadline!);
      const updated = await this.db
        .update(jobs)
        .set({ deadline, updatedAt: new Date() })
        .where(and(eq(jobs.jobId, jobId), or(isNull(jobs.deadline), gt(jobs.deadline, deadline))))
        .returning({ jobId: jobs.jobId });
      if (updated.length === 0) continue;
      const job = await this.queue.getJob(jobId);
      if (job && !(await job.isActive())) await job.updateData({ ...job.data, spec: { ...job.data.spec, deadline: spec.deadline! } }).catch(() => {});
    }
  }

  private async withResults(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 5_000) {
      const rows = await this.db.select({ jobId: results.jobId }).from(results).where(inArray(results.jobId, ids.slice(i, i + 5_000)));
      for (const row of rows) found.add(row.jobId);
    }
    return found;
  }

  /** Writes the job rows (documents included); returns the ids that were new. */
  private async record(list: Array<{ jobId: string; spec: JobSpec }>): Promise<Set<string>> {
    const created = new Set<string>();
    for (let i = 0; i < list.length; i += 1_000) {
      const rows = await this.db
        .insert(jobs)
        .values(
          list.slice(i, i + 1_000).map(({ jobId, spec }) => ({ ...jobRow(jobId, spec), payload: spec.payload })),
        )
        .onConflictDoUpdate({
          target: jobs.jobId,
          // A cancelled job (gone from the queue) enqueued again runs again. A failed one stays
          // failed: `frugal jobs retry` retries it, `--force` runs it anew.
          set: { status: sql`'queued'`, error: sql`null`, deadline: sql`excluded.deadline`, late: false, updatedAt: sql`now()` },
          setWhere: sql`${jobs.status} = 'cancelled'`,
        })
        .returning({ jobId: jobs.jobId });
      for (const row of rows) created.add(row.jobId);
    }
    return created;
  }
}

function priority(spec: JobSpec): { priority?: number } {
  return spec.priority === undefined ? {} : { priority: spec.priority };
}
