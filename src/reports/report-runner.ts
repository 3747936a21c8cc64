import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../db/client.js';
import { jobs, results } from '../db/schema/jobs.js';
import { reports } from '../db/schema/reports.js';
import { parseJobSpec } from '../jobs/job-spec.js';
import type { Catalog } from '../pricing/catalog.js';
import { formatDollars } from '../pricing/money.js';
import type { Tier } from '../pricing/types.js';
import type { Producer } from '../queue/producer.js';
import { gatherReportFigures } from './gather-report-figures.js';
import { InputError } from '../errors.js';
import { REPORT_TITLE_PREFIX } from './query-spend.js';
import { checkTimeZone, dateIn, localTimeZone, resolveDay, type DaySpec } from './report-day.js';
import type { ReportFigures, ReportSummary } from './report-figures.js';
import { renderReportMarkdown } from './render-report-markdown.js';
import { renderSpendChart } from './render-spend-chart.js';
import { explainNegativeSaving } from './explain-negative-saving.js';

export interface ReportRequest {
  /** The day to report on, in `tz`. Default `today`. */
  date?: DaySpec;
  /** Zone in which the day begins. Default: the machine's zone. */
  tz?: string;
  /** Tier of the executive summary's `report` job. Default `standard`. */
  tier?: Tier;
  /** Budgets the summary's job is charged to (global and kind:report budgets apply anyway). */
  budgets?: string[];
  /** Folder the Markdown file is written to; null writes no file. Default `./reports`. */
  outDir?: string | null;
  /** Ask an LLM for the executive summary. Default true. */
  summary?: boolean;
  /** Why there is no summary when `summary` is false, for the report. Default: none was asked for. */
  noSummaryReason?: string;
  /** How long to wait for the summary before writing the report without it. Default 300,000 ms. */
  summaryTimeoutMs?: number;
  /** Recorded with the report: `manual`, or the schedule's name. Default `manual`. */
  trigger?: string;
  /** Clock for `today`/`yesterday`. Default now. */
  now?: Date;
}

export interface ReportOutcome {
  id: number;
  title: string;
  figures: ReportFigures;
  summary: ReportSummary;
  markdown: string;
  chartSvg: string;
  /** Absolute path of the Markdown file, or null when none was written. */
  filePath: string | null;
  generatedAt: Date;
}

export interface ReportRunnerDeps {
  db: Db;
  pool: pg.Pool;
  catalog: Catalog;
  /**
   * Puts the summary's `report` job on the intake queue; a worker (this process's or another's)
   * runs it. Needed only for reports with a summary.
   */
  producer?: Producer;
  /** Polling interval while waiting for the summary. Default 250 ms. */
  pollMs?: number;
}

/**
 * Makes one day's report: gathers the figures from Postgres, has an LLM write the executive
 * summary through the normal pipeline (a `report` job on the intake queue, charged and recorded
 * like any other), renders Markdown with an SVG spend chart, stores it in `reports` and writes
 * the file. A day reported again replaces its row and file; while the figures are unchanged the
 * summary job has the same id and its stored result is reused at no cost.
 */
export class ReportRunner {
  constructor(private readonly deps: ReportRunnerDeps) {}

  async run(request: ReportRequest = {}): Promise<ReportOutcome> {
    const tz = checkTimeZone(request.tz ?? localTimeZone());
    const date = resolveDay(request.date ?? 'today', tz, request.now);
    const today = dateIn(request.now ?? new Date(), tz);
    if (date > today) throw new InputError(`--date ${date} is in the future (today is ${today} in ${tz})`, 'give today, yesterday or a past day as YYYY-MM-DD');
    const figures = await gatherReportFigures(this.deps.pool, this.deps.catalog, date, tz);
    const title = `${REPORT_TITLE_PREFIX}${date} (${tz})`;
    // The summary is asked for on the figures without the reports' own summaries: otherwise each
    // run's summary would change the figures the next run sees, and every run would pay again.
    const facts = await gatherReportFigures(this.deps.pool, this.deps.catalog, date, tz, { withoutReportSummaries: true });
    const idle = facts.spend.calls === 0 && facts.jobs.completed + facts.jobs.failed + facts.jobs.cancelled + facts.jobs.partsCompleted === 0;
    const summary =
      request.summary === false
        ? skippedSummary(request.noSummaryReason)
        : idle
          ? skippedSummary('nothing happened that day: no calls and no finished jobs')
          : await this.writeSummary(title, facts, request);
    const chartSvg = renderSpendChart([
      { title: 'Spend by model', rows: figures.spend.byModel.map((r) => ({ label: r.key, micros: r.spentMicros })) },
      { title: 'Spend by job kind', rows: figures.spend.byKind.map((r) => ({ label: r.key, micros: r.spentMicros })) },
    ]);
    const generatedAt = new Date();
    const markdown = renderReportMarkdown({ title, figures, summary, chartSvg, generatedAt });
    const outDir = request.outDir === undefined ? './reports' : request.outDir;
    const filePath = outDir === null ? null : await writeReportFile(outDir, date, markdown);
    const row = {
      day: date,
      tz,
      title,
      figures,
      markdown,
      chartSvg,
      summaryJobId: summary.jobId,
      summaryCostMicros: summary.costMicros,
      filePath,
      trigger: request.trigger ?? 'manual',
      updatedAt: generatedAt,
    };
    const [stored] = await this.deps.db
      .insert(reports)
      .values({ ...row, createdAt: generatedAt })
      .onConflictDoUpdate({ target: [reports.day, reports.tz], set: row })
      .returning({ id: reports.id });
    return { id: stored!.id, title, figures, summary, markdown, chartSvg, filePath, generatedAt };
  }

  private async writeSummary(title: string, figures: ReportFigures, request: ReportRequest): Promise<ReportSummary> {
    const spec = parseJobSpec({
      kind: 'report',
      tier: request.tier ?? 'standard',
      budgets: request.budgets ?? [],
      payload: {
        title,
        data: summaryFacts(figures),
        instructions: 'Mention the total spend, the saving against the premium model, failures, jobs waiting for budget and alerts when there are any.',
        maxWords: 150,
      },
    });
    if (!this.deps.producer) throw new Error('ReportRunner needs a producer to ask for a summary (or run with summary: false)');
    // A report is read when it is written: never a deadline (no budget default), never a batch.
    const [outcome] = await this.deps.producer.enqueue([spec], { defaultDeadlines: false });
    const jobId = outcome!.jobId;
    const deadline = Date.now() + (request.summaryTimeoutMs ?? 300_000);
    for (;;) {
      const [result] = await this.deps.db
        .select({ text: results.outputText, model: results.model, costMicros: results.costMicros })
        .from(results)
        .where(eq(results.jobId, jobId));
      if (result) return { status: 'written', jobId, text: withoutTitle(result.text, title), model: result.model, costMicros: result.costMicros, reason: null };
      const [job] = await this.deps.db.select({ status: jobs.status, error: jobs.error, waitingBudget: jobs.waitingBudget }).from(jobs).where(eq(jobs.jobId, jobId));
      const spent = await this.spentOn(jobId);
      if (job?.status === 'failed') return unavailable(jobId, spent, `its report job failed (${job.error ?? 'no reason recorded'})`);
      if (job?.status === 'cancelled') return unavailable(jobId, spent, 'its report job was cancelled');
      if (job?.status === 'waiting_budget') return unavailable(jobId, spent, `its report job is waiting for budget "${job.waitingBudget}"`);
      if (Date.now() >= deadline) return unavailable(jobId, spent, `its report job ${jobId} did not finish in time (is a worker running? \`frugal worker\`)`);
      await new Promise((r) => setTimeout(r, this.deps.pollMs ?? 250));
    }
  }

  private async spentOn(jobId: string): Promise<number> {
    const { rows } = await this.deps.pool.query<{ spent: string }>(
      `select coalesce(sum(cost_micros), 0) as spent from ledger where job_id = $1 and status in ('settled', 'closed_as_spent')`,
      [jobId],
    );
    return Number(rows[0]?.spent ?? 0);
  }
}

/** Where a day's report file goes. */
export function reportFileName(date: string): string {
  return `frugal-report-${date}.md`;
}

async function writeReportFile(outDir: string, date: string, markdown: string): Promise<string> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, reportFileName(date));
  // Written beside and renamed, so a reader never sees half a report.
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, markdown, 'utf8');
  await rename(partial, path);
  return path;
}

/**
 * What the LLM writes from: the day's figures as plain sentences with money in dollars, which
 * models summarize more faithfully than nested JSON of micro-dollars.
 */
export function summaryFacts(f: ReportFigures): string {
  const list = (rows: ReadonlyArray<{ key: string; spentMicros: number; calls: number }>) =>
    rows.map((r) => `${r.key} ${formatDollars(r.spentMicros)} (${r.calls} call${r.calls === 1 ? '' : 's'})`).join(', ');
  const facts = [`On ${f.date} (${f.tz}) frugal spent ${formatDollars(f.spend.totalMicros)} on ${f.spend.calls} provider calls.`];
  if (f.spend.byModel.length > 0) facts.push(`By model: ${list(f.spend.byModel)}.`);
  if (f.spend.byBudget.length > 0) facts.push(`By budget: ${list(f.spend.byBudget)}.`);
  if (f.spend.byKind.length > 0) facts.push(`By job kind: ${list(f.spend.byKind)}.`);
  facts.push(`Jobs: ${f.jobs.completed} completed, ${f.jobs.failed} failed, ${f.jobs.cancelled} cancelled, ${f.jobs.waitingForBudget} waiting for budget now.`);
  if (f.estimate.calls > 0) {
    facts.push(`Estimated cost was ${formatDollars(f.estimate.estimatedMicros)} against an actual ${formatDollars(f.estimate.actualMicros)}${f.estimate.errorPercent === null ? '' : ` (${f.estimate.errorPercent}%)`}.`);
  }
  if (f.premium.equivalentMicros > 0) {
    facts.push(
      `The same work on the premium model alone would have cost ${formatDollars(f.premium.equivalentMicros)}, so routing ${f.premium.savingMicros >= 0 ? `saved ${formatDollars(f.premium.savingMicros)}` : `cost ${formatDollars(-f.premium.savingMicros)} more`}${f.premium.savingPercent === null ? '' : ` (${f.premium.savingPercent}%)`}.${explainNegativeSaving(f.premium) ? ` ${explainNegativeSaving(f.premium)}` : ''}`,
    );
  }
  facts.push(
    f.alerts.length === 0
      ? 'No budget alert was raised.'
      : `Alerts: ${f.alerts.map((a) => `budget ${a.budgetName} ${a.threshold === 0 ? 'was exhausted' : `reached ${a.threshold}%`} (${formatDollars(a.spentMicros)} of ${formatDollars(a.limitMicros)})`).join('; ')}.`,
  );
  return facts.join(' ');
}

/** A summary that repeats the report's title (the simulator's extractive ones do) reads better without it. */
function withoutTitle(text: string, title: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith(title)) return trimmed;
  return trimmed.slice(title.length).trim().replace(/^["“]/, '').replace(/^(.*[.!?])["”]$/s, '$1') || trimmed;
}

function skippedSummary(reason = 'none was asked for (--no-summary)'): ReportSummary {
  return { status: 'skipped', jobId: null, text: null, model: null, costMicros: 0, reason };
}

function unavailable(jobId: string, costMicros: number, reason: string): ReportSummary {
  return { status: 'unavailable', jobId, text: null, model: null, costMicros, reason };
}

