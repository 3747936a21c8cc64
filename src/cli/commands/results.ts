import { rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { formatDollars } from '../../pricing/money.js';
import { KINDS } from '../../pricing/types.js';
import { checkTimeZone, localTimeZone, parseDaySpec, resolveDay } from '../../reports/report-day.js';
import { SPENT_STATUSES, dayRange } from '../../reports/query-spend.js';
import { withContext, type CliContext } from '../context.js';
import { openOutputFile } from '../open-output-file.js';
import { dim, formatTable, printJson } from '../output.js';
import { parseAge, parseCount } from '../parse-options.js';
import { progressBar, type ProgressBar } from '../progress-bar.js';
import { formatTableTime, formatTime, timeHeader } from '../format-time.js';

/** One result as `frugal results --json` and `frugal results export` give it. */
export interface ResultRecord {
  jobId: string;
  kind: string;
  tier: string | null;
  /** The model whose answer passed the check. */
  model: string;
  /** Where the document came from (summarize jobs enqueued from files); a part carries its document's. */
  source: string | null;
  /** The document's job, for a part of a long document (only with `--parts`). */
  parentId: string | null;
  text: string;
  /** The parsed answer of extract and classify jobs. */
  json: unknown;
  /** What this job's own calls cost (for a long document: the final combining call only). */
  costMicros: number;
  /**
   * What the job cost in all: its own calls plus every call of its parts (the chunk and reduce
   * summaries of a long document, failed attempts included). Equals costMicros for other jobs.
   */
  totalCostMicros: number;
  calls: number;
  /** Tokens the models spent thinking over the job's charged calls (a part of their output). */
  reasoningTokens: number;
  createdAt: string;
}

export interface ResultsQuery {
  limit?: number;
  kind?: string;
  /** Include the parts of long documents (chunk and combine summaries). Default false. */
  parts?: boolean;
  /** Only results created at or after this instant. */
  since?: Date;
}

interface ResultRow {
  job_id: string;
  kind: string;
  tier: string | null;
  model: string;
  source: string | null;
  parent_id: string | null;
  output_text: string;
  output_json: unknown;
  cost_micros: string;
  parts_cost_micros: string;
  calls: number;
  reasoning_tokens: number;
  created_at: Date;
}

// A part's job row has no payload of its own: its source is its document's. A document's parts
// are priced from the ledger (every spent call of every part, whether it finished or not).
const SELECT = `select r.job_id, r.kind, j.tier, r.model, coalesce(j.payload->>'source', d.payload->>'source') as source, j.parent_id,
  r.output_text, r.output_json, r.cost_micros, r.calls, r.created_at,
  coalesce((select sum(l.cost_micros) from jobs pj join ledger l on l.job_id = pj.job_id
    where pj.parent_id = r.job_id and l.status in ${SPENT_STATUSES}), 0) as parts_cost_micros,
  (select coalesce(sum(l.reasoning_tokens), 0) from ledger l where l.job_id = r.job_id and l.status in ${SPENT_STATUSES})::int as reasoning_tokens
  from results r left join jobs j on j.job_id = r.job_id left join jobs d on d.job_id = j.parent_id`;

function where(query: ResultsQuery, values: unknown[]): string[] {
  const clauses: string[] = [];
  if (!query.parts) clauses.push('j.parent_id is null');
  if (query.kind !== undefined) {
    values.push(query.kind);
    clauses.push(`r.kind = $${values.length}`);
  }
  if (query.since !== undefined) {
    values.push(query.since);
    clauses.push(`r.created_at >= $${values.length}`);
  }
  return clauses;
}

function toRecord(r: ResultRow): ResultRecord {
  return {
    jobId: r.job_id,
    kind: r.kind,
    tier: r.tier,
    model: r.model,
    source: r.source,
    parentId: r.parent_id,
    text: r.output_text,
    json: r.output_json ?? null,
    costMicros: Number(r.cost_micros),
    totalCostMicros: Number(r.cost_micros) + Number(r.parts_cost_micros),
    calls: r.calls,
    reasoningTokens: r.reasoning_tokens,
    createdAt: r.created_at.toISOString(),
  };
}

function checkKind(kind: string | undefined): string | undefined {
  if (kind === undefined) return undefined;
  if (!(KINDS as readonly string[]).includes(kind)) throw new InputError(`--kind "${kind}" is not a job kind`, `give one of ${KINDS.join(', ')}`);
  return kind;
}

/** The newest results first. */
export async function listResults(ctx: CliContext, query: ResultsQuery = {}): Promise<{ results: ResultRecord[]; total: number }> {
  checkKind(query.kind);
  const { pool } = await ctx.db();
  const values: unknown[] = [];
  const clauses = where(query, values);
  const filter = clauses.length ? `where ${clauses.join(' and ')}` : '';
  const total = await pool.query<{ n: number }>(`select count(*)::int as n from results r left join jobs j on j.job_id = r.job_id ${filter}`, values);
  values.push(query.limit ?? 20);
  const { rows } = await pool.query<ResultRow>(`${SELECT} ${filter} order by r.created_at desc, r.job_id limit $${values.length}`, values);
  return { results: rows.map(toRecord), total: total.rows[0]?.n ?? 0 };
}

/**
 * Writes every matching result as one JSON line (oldest first), reading in pages so any number
 * of results streams in bounded memory. Returns how many lines were written.
 */
export async function exportResults(ctx: CliContext, out: Writable, query: ResultsQuery = {}, onProgress?: (done: number, total: number) => void): Promise<number> {
  checkKind(query.kind);
  const { pool } = await ctx.db();
  const base: unknown[] = [];
  const clauses = where(query, base);
  const filter = clauses.length ? `where ${clauses.join(' and ')}` : '';
  const total = (await pool.query<{ n: number }>(`select count(*)::int as n from results r left join jobs j on j.job_id = r.job_id ${filter}`, base)).rows[0]?.n ?? 0;
  let written = 0;
  let after: { createdAt: Date; jobId: string } | undefined;
  for (;;) {
    const values = [...base];
    const page = [...clauses];
    if (after) {
      values.push(after.createdAt, after.jobId);
      page.push(`(r.created_at, r.job_id) > ($${values.length - 1}, $${values.length})`);
    }
    values.push(1_000);
    const { rows } = await pool.query<ResultRow>(
      `${SELECT} ${page.length ? `where ${page.join(' and ')}` : ''} order by r.created_at, r.job_id limit $${values.length}`,
      values,
    );
    if (rows.length === 0) break;
    const text = rows.map((r) => `${JSON.stringify(toRecord(r))}\n`).join('');
    if (!out.write(text)) await new Promise<void>((done) => out.once('drain', () => done()));
    written += rows.length;
    onProgress?.(written, total);
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, jobId: last.job_id };
  }
  return written;
}

/** `frugal results prune --json`. */
export interface PruneReport {
  olderThan: string;
  /** Everything older than this instant was pruned. */
  cutoff: string;
  dryRun: boolean;
  resultsDeleted: number;
  /** Finished jobs whose stored document (payload) was cleared; their rows stay. */
  payloadsCleared: number;
}

/**
 * Retention: deletes results older than the cutoff and clears the stored documents of jobs that
 * finished before it. Job rows and the ledger (the record of every call and its cost) stay.
 * Work whose result was pruned runs again if it is enqueued again. Deletes in batches so a large
 * prune never holds long locks.
 */
export async function pruneResults(ctx: CliContext, options: { olderThan: string; dryRun?: boolean }): Promise<PruneReport> {
  const ageMs = parseAge(options.olderThan, '--older-than');
  const { pool } = await ctx.db();
  const { rows } = await pool.query<{ cutoff: Date }>(`select now() - $1 * interval '1 millisecond' as cutoff`, [ageMs]);
  const cutoff = rows[0]!.cutoff;
  const report: PruneReport = { olderThan: options.olderThan, cutoff: cutoff.toISOString(), dryRun: options.dryRun ?? false, resultsDeleted: 0, payloadsCleared: 0 };
  const finished = `status in ('completed', 'failed', 'cancelled') and coalesce(finished_at, updated_at) < $1 and payload is not null`;
  if (report.dryRun) {
    report.resultsDeleted = (await pool.query<{ n: number }>(`select count(*)::int as n from results where created_at < $1`, [cutoff])).rows[0]!.n;
    report.payloadsCleared = (await pool.query<{ n: number }>(`select count(*)::int as n from jobs where ${finished}`, [cutoff])).rows[0]!.n;
    return report;
  }
  for (;;) {
    const deleted = await pool.query(`delete from results where job_id in (select job_id from results where created_at < $1 limit 10000)`, [cutoff]);
    report.resultsDeleted += deleted.rowCount ?? 0;
    if ((deleted.rowCount ?? 0) < 10_000) break;
  }
  for (;;) {
    const cleared = await pool.query(`update jobs set payload = null where job_id in (select job_id from jobs where ${finished} limit 10000)`, [cutoff]);
    report.payloadsCleared += cleared.rowCount ?? 0;
    if ((cleared.rowCount ?? 0) < 10_000) break;
  }
  return report;
}

export function registerResults(program: Command): void {
  const group = program
    .command('results')
    // `results export --kind x`: options after a subcommand belong to the subcommand.
    .enablePositionalOptions()
    .description('the answers of completed jobs (stored in Postgres), newest first; see also `results export` and `results prune`')
    .option('--limit <n>', 'show at most this many', '20')
    .option('--kind <kind>', `only this job kind (${KINDS.join(', ')})`)
    .option('--parts', 'include the parts of long documents (chunk and combine summaries)')
    .option('--json', 'print one JSON document (full texts; own calls in costMicros, with a document\'s parts in totalCostMicros)')
    .action(async (options: { limit: string; kind?: string; parts?: boolean; json?: boolean }) => {
      const limit = parseCount(options.limit, '--limit', { max: 100_000 });
      const listed = await withContext((ctx) => listResults(ctx, { limit, kind: options.kind, parts: options.parts }));
      if (options.json) return printJson(listed);
      if (listed.results.length === 0) return void process.stdout.write('no results yet\n');
      process.stdout.write(
        `${formatTable(listed.results, [
          { header: 'JOB', value: (r) => r.jobId },
          { header: 'KIND', value: (r) => r.kind },
          { header: 'MODEL', value: (r) => r.model },
          { header: 'COST', value: (r) => formatDollars(r.totalCostMicros), align: 'right' },
          { header: 'REASONING', value: (r) => r.reasoningTokens.toLocaleString('en-US'), align: 'right' },
          { header: timeHeader('AT'), value: (r) => formatTableTime(r.createdAt) },
          { header: 'SOURCE', value: (r) => r.source ?? '' },
          { header: 'ANSWER', value: (r) => preview(r.json === null ? r.text : JSON.stringify(r.json), 60) },
        ])}\n`,
      );
      if (listed.total > listed.results.length) process.stdout.write(dim(`${listed.total - listed.results.length} more (--limit, or frugal results export)\n`));
    });

  group
    .command('export')
    .description('write results as JSON lines, oldest first: {jobId, kind, tier, model, source, parentId, text, json, costMicros, totalCostMicros, calls, reasoningTokens, createdAt}')
    .requiredOption('--format <format>', 'output format (jsonl)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--since <date>', 'only results from this day on (YYYY-MM-DD, today, yesterday)')
    .option('--tz <zone>', "time zone of --since (default: this machine's)")
    .option('--kind <kind>', 'only this job kind')
    .option('--parts', 'include the parts of long documents')
    .option('--json', 'print a JSON summary of the export (with --out)')
    .action(async (options: { format: string; out?: string; since?: string; tz?: string; kind?: string; parts?: boolean; json?: boolean }) => {
      if (options.format.trim().toLowerCase() !== 'jsonl') throw new InputError(`--format "${options.format}" is not supported`, 'give --format jsonl');
      checkKind(options.kind);
      if (options.json && !options.out) throw new InputError('--json needs --out (without it the export itself is on stdout)', 'add --out FILE');
      const tz = checkTimeZone(options.tz ?? localTimeZone());
      const sinceDay = options.since === undefined ? undefined : resolveDay(parseDaySpec(options.since, '--since'), tz);
      await withContext(async (ctx) => {
        const since = sinceDay === undefined ? undefined : (await dayRange((await ctx.db()).pool, sinceDay, sinceDay, tz)).from;
        const query: ResultsQuery = { kind: options.kind, parts: options.parts, since };
        if (!options.out) {
          await exportResults(ctx, process.stdout, query);
          return;
        }
        const path = resolve(options.out);
        const partial = `${path}.partial`;
        const file = await openOutputFile(partial, '--out', options.out);
        let bar: ProgressBar | undefined;
        let started = false;
        const written = await exportResults(ctx, file, query, (done, total) => {
          if (!started) bar = progressBar(total, 'results');
          started = true;
          bar?.update(done);
        });
        bar?.stop();
        await new Promise<void>((done, fail) => file.end((error?: Error | null) => (error ? fail(error) : done())));
        await rename(partial, path);
        if (options.json) printJson({ file: path, results: written });
        else process.stdout.write(`wrote ${written} result(s) to ${path}\n`);
      });
    });

  group
    .command('prune')
    .description('retention: delete results older than an age and clear the stored documents of jobs finished before it (job rows and the ledger stay; pruned work runs again if enqueued again)')
    .requiredOption('--older-than <age>', 'age such as 30d, 12h or 2w')
    .option('--dry-run', 'count what would be pruned, change nothing')
    .option('--json', 'print one JSON document')
    .action(async (options: { olderThan: string; dryRun?: boolean; json?: boolean }) => {
      parseAge(options.olderThan, '--older-than');
      const report = await withContext((ctx) => pruneResults(ctx, options));
      if (options.json) return printJson(report);
      const verb = report.dryRun ? 'would delete' : 'deleted';
      process.stdout.write(`${verb} ${report.resultsDeleted} result(s) and ${report.dryRun ? 'clear' : 'cleared'} ${report.payloadsCleared} stored document(s) older than ${report.olderThan} (before ${formatTime(report.cutoff)})\n`);
    });
}

function preview(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
