import type { Command } from 'commander';
import { desc, eq, sql } from 'drizzle-orm';
import { BudgetLedger } from '../../budget/budget-ledger.js';
import { jobs } from '../../db/schema/jobs.js';
import { InputError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { formatDollars } from '../../pricing/money.js';
import { intakeQueue } from '../cli-queues.js';
import { withContext, type CliContext } from '../context.js';
import { JobControl, type BatchOutcome, type CancelOutcome, type RetryOutcome } from '../job-control.js';
import { dim, formatTable, printJson } from '../output.js';
import { parseCount } from '../parse-options.js';
import { formatTableTime, timeHeader } from '../format-time.js';

/** One row of `frugal jobs failed --json`. */
export interface FailedJob {
  jobId: string;
  kind: string;
  tier: string;
  budgets: string[];
  /** The document's job when this is a part of a long document. */
  parentId: string | null;
  /** The last model routed to, or else the last model called; null when no model was ever tried. */
  model: string | null;
  error: string | null;
  failedAt: string | null;
}

export async function listFailedJobs(ctx: CliContext, options: { limit?: number } = {}): Promise<{ jobs: FailedJob[]; total: number }> {
  const { db, pool } = await ctx.db();
  // A job that failed after its calls (retries used up, output checks failed everywhere) has no
  // routed model on its last route: the model it last called is the one the reason is about.
  const lastCalled = sql<string | null>`(select l.model from ledger l where l.job_id = ${jobs.jobId} order by l.started_at desc, l.attempt desc, l.seq desc limit 1)`;
  const rows = await db
    .select({ row: jobs, lastCalled })
    .from(jobs)
    .where(eq(jobs.status, 'failed'))
    .orderBy(desc(jobs.finishedAt), jobs.jobId)
    .limit(options.limit ?? 50);
  const total = await pool.query<{ n: number }>(`select count(*)::int as n from jobs where status = 'failed'`);
  return {
    total: total.rows[0]?.n ?? 0,
    jobs: rows.map(({ row: r, lastCalled }) => ({
      jobId: r.jobId,
      kind: r.kind,
      tier: r.tier,
      budgets: r.budgets,
      parentId: r.parentId,
      model: (r.route as { modelId?: string } | null)?.modelId ?? lastCalled ?? null,
      error: r.error,
      failedAt: r.finishedAt?.toISOString() ?? null,
    })),
  };
}

async function jobControl(ctx: CliContext): Promise<JobControl> {
  const queue = await intakeQueue(ctx);
  const { db, pool } = await ctx.db();
  return new JobControl(queue, db, pool, new BudgetLedger(pool, { mode: 'perCall', logger: createLogger('silent') }));
}

export async function retryJobs(ctx: CliContext, target: { id?: string; all?: boolean }): Promise<BatchOutcome<RetryOutcome>> {
  checkTarget(target.id, target.all, '--all', 'frugal jobs retry ID, or frugal jobs retry --all');
  const control = await jobControl(ctx);
  if (target.all) return control.retryAllFailed();
  return { done: [await control.retry(target.id!)], skipped: [] };
}

export async function cancelJobs(ctx: CliContext, target: { id?: string; allWaiting?: boolean }): Promise<BatchOutcome<CancelOutcome>> {
  checkTarget(target.id, target.allWaiting, '--all-waiting', 'frugal jobs cancel ID, or frugal jobs cancel --all-waiting');
  const control = await jobControl(ctx);
  if (target.allWaiting) return control.cancelAllWaiting();
  return { done: [await control.cancel(target.id!)], skipped: [] };
}

function checkTarget(id: string | undefined, all: boolean | undefined, flag: string, usage: string): void {
  if (id !== undefined && all) throw new InputError(`give a job id or ${flag}, not both`, usage);
  if (id === undefined && !all) throw new InputError(`give a job id or ${flag}`, usage);
  if (id !== undefined && id.trim() === '') throw new InputError('the job id is empty', usage);
}

export function registerJobs(program: Command): void {
  const group = program.command('jobs').description('inspect, retry and cancel jobs');

  group
    .command('failed')
    .description('list failed jobs, newest first, with the reason')
    .option('--limit <n>', 'show at most this many', '50')
    .option('--json', 'print one JSON document')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = parseCount(options.limit, '--limit', { max: 100_000 });
      const result = await withContext((ctx) => listFailedJobs(ctx, { limit }));
      if (options.json) return printJson(result);
      if (result.jobs.length === 0) return void process.stdout.write('no failed jobs\n');
      process.stdout.write(
        `${formatTable(result.jobs, [
          { header: 'JOB', value: (j) => j.jobId },
          { header: 'KIND', value: (j) => j.kind },
          { header: 'TIER', value: (j) => j.tier },
          { header: 'MODEL', value: (j) => j.model ?? '-' },
          { header: timeHeader('FAILED AT'), value: (j) => formatTableTime(j.failedAt) },
          { header: 'WHY', value: (j) => truncate(j.error ?? '', 100) },
        ])}\n`,
      );
      if (result.total > result.jobs.length) process.stdout.write(dim(`${result.total - result.jobs.length} more (--limit)\n`));
      process.stdout.write(dim('retry: frugal jobs retry ID | --all\n'));
    });

  group
    .command('retry')
    .description('put failed jobs back on the queue (a part of a long document retries the whole document)')
    .argument('[id]', 'the job to retry')
    .option('--all', 'retry every failed job')
    .option('--json', 'print one JSON document')
    .action(async (id: string | undefined, options: { all?: boolean; json?: boolean }) => {
      const outcome = await withContext((ctx) => retryJobs(ctx, { id, all: options.all }));
      if (options.json) return printJson(outcome);
      for (const r of outcome.done) process.stdout.write(`retrying ${r.jobId}${r.requestedId !== r.jobId ? ` (the document ${r.requestedId} is part of)` : ''}\n`);
      for (const s of outcome.skipped) process.stdout.write(dim(`skipped ${s.jobId}: ${s.reason}\n`));
      if (outcome.done.length === 0 && outcome.skipped.length === 0) process.stdout.write('no failed jobs\n');
    });

  group
    .command('cancel')
    .description('remove jobs from the queue, mark them cancelled and give back anything they hold reserved')
    .argument('[id]', 'the job to cancel')
    .option('--all-waiting', 'cancel every job waiting for budget')
    .option('--json', 'print one JSON document')
    .action(async (id: string | undefined, options: { allWaiting?: boolean; json?: boolean }) => {
      const outcome = await withContext((ctx) => cancelJobs(ctx, { id, allWaiting: options.allWaiting }));
      if (options.json) return printJson(outcome);
      for (const c of outcome.done) {
        const released = c.releasedCalls > 0 ? `; released ${formatDollars(c.releasedMicros)} from ${c.releasedCalls} reservation(s)` : '';
        process.stdout.write(`cancelled ${c.jobId}${c.cancelledJobs > 1 ? ` and ${c.cancelledJobs - 1} part(s)` : ''}${released}\n`);
      }
      for (const s of outcome.skipped) process.stdout.write(dim(`skipped ${s.jobId}: ${s.reason}\n`));
      if (outcome.done.length === 0 && outcome.skipped.length === 0) process.stdout.write('no jobs waiting for budget\n');
    });
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
