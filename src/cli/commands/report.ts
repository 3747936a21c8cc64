import type { Command } from 'commander';
import { BudgetStore } from '../../budget/budget-store.js';
import { UnknownBudgetError } from '../../budget/unknown-budget-error.js';
import type { Config } from '../../config.js';
import { createLogger } from '../../log.js';
import { formatDollars } from '../../pricing/money.js';
import type { Tier } from '../../pricing/types.js';
import { createProviders } from '../../providers/create-providers.js';
import { openProducer } from '../../queue/open-producer.js';
import { createIntakeQueue } from '../../queue/queues.js';
import { checkTimeZone, localTimeZone, parseDaySpec } from '../../reports/report-day.js';
import { ReportRunner, type ReportOutcome } from '../../reports/report-runner.js';
import { FrugalWorker, type FrugalWorkerOptions } from '../../workers/frugal-worker.js';
import { withContext, type CliContext } from '../context.js';
import { bold, dim, printJson } from '../output.js';
import { collect, parseCount, parseTier } from '../parse-options.js';
import { explainNegativeSaving } from '../../reports/explain-negative-saving.js';

export interface ReportCommandOptions {
  date?: string;
  tz?: string;
  out?: string;
  tier?: Tier;
  budgets?: string[];
  summary?: boolean;
  summaryTimeoutMs?: number;
  /** Options of the in-process worker started when no worker serves the intake queue. */
  worker?: FrugalWorkerOptions;
  now?: Date;
}

/** `frugal report --json`: where the report went and its figures. */
export interface ReportCommandResult {
  reportId: number;
  date: string;
  tz: string;
  title: string;
  filePath: string | null;
  summary: ReportOutcome['summary'];
  figures: ReportOutcome['figures'];
  /** No worker served the intake queue, so this command ran one until its summary was written. */
  ranWorker: boolean;
}

/** Budgets named for a report's summary job must exist, or the job would fail later. */
export async function checkBudgetsExist(ctx: CliContext, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const store = new BudgetStore((await ctx.db()).pool);
  const missing: string[] = [];
  for (const name of names) if (!(await store.definition(name))) missing.push(name);
  if (missing.length > 0) throw new UnknownBudgetError(missing);
}

/**
 * Makes one day's report now. The executive summary is a `report` job on the intake queue; when
 * no worker serves that queue, this process runs one until the summary is written (it may take
 * other queued jobs meanwhile, as any worker would).
 */
export async function runReport(ctx: CliContext, options: ReportCommandOptions): Promise<ReportCommandResult> {
  const tz = checkTimeZone(options.tz ?? localTimeZone());
  const date = parseDaySpec(options.date ?? 'today');
  const budgets = [...new Set(options.budgets ?? [])];
  await checkBudgetsExist(ctx, budgets);
  const { db, pool } = await ctx.db();
  const producer = await openProducer(ctx.config);
  ctx.onClose(() => producer.close());
  // A summary job no provider could take would only fail, and one on a paused queue would only
  // wait: say why there is none instead.
  const noProvider = createProviders(ctx.config, { logger: { info: () => {} } }).available().length === 0;
  const paused = options.summary !== false && !noProvider && (await intakePaused(ctx));
  const noSummaryReason = noProvider
    ? 'no provider is configured (set an API key, or FRUGAL_SIM_URL for the simulator)'
    : paused
      ? 'the intake queue is paused (frugal queue resume)'
      : undefined;
  const summary = options.summary !== false && noSummaryReason === undefined;
  const worker = summary ? await startWorkerIfNone(ctx, ctx.config, options.worker) : undefined;
  if (worker) ctx.onClose(() => worker.close());
  const runner = new ReportRunner({ db, pool, catalog: producer.catalog, producer: producer.producer });
  const outcome = await runner.run({
    date,
    tz,
    tier: options.tier ?? 'standard',
    budgets,
    outDir: options.out ?? './reports',
    summary,
    ...(options.summary !== false && noSummaryReason ? { noSummaryReason } : {}),
    ...(options.summaryTimeoutMs === undefined ? {} : { summaryTimeoutMs: options.summaryTimeoutMs }),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    reportId: outcome.id,
    date: outcome.figures.date,
    tz: outcome.figures.tz,
    title: outcome.title,
    filePath: outcome.filePath,
    summary: outcome.summary,
    figures: outcome.figures,
    ranWorker: worker !== undefined,
  };
}

async function intakePaused(ctx: CliContext): Promise<boolean> {
  const queue = createIntakeQueue(await ctx.redis(), ctx.config.queuePrefix);
  try {
    return await queue.isPaused();
  } finally {
    await queue.close();
  }
}

async function startWorkerIfNone(ctx: CliContext, config: Config, options: FrugalWorkerOptions = {}): Promise<FrugalWorker | undefined> {
  const queue = createIntakeQueue(await ctx.redis(), config.queuePrefix);
  try {
    if ((await queue.getWorkersCount()) > 0) return undefined;
  } finally {
    await queue.close();
  }
  return FrugalWorker.start(config, { concurrency: 4, logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel), ...options });
}

export function formatReportResult(r: ReportCommandResult): string {
  const f = r.figures;
  const lines = [
    `${bold(r.title)}`,
    `spent ${formatDollars(f.spend.totalMicros)} on ${f.spend.calls} call(s); ${f.jobs.completed} job(s) completed, ${f.jobs.failed} failed, ${f.jobs.waitingForBudget} waiting for budget`,
    `premium model alone: ${formatDollars(f.premium.equivalentMicros)} → saving ${formatDollars(f.premium.savingMicros)}${f.premium.savingPercent === null ? '' : ` (${f.premium.savingPercent}%)`}` +
      (explainNegativeSaving(f.premium) ? `\n  ${explainNegativeSaving(f.premium)}` : ''),
    r.summary.status === 'written'
      ? `summary written by ${r.summary.model} for ${formatDollars(r.summary.costMicros)}${r.ranWorker ? dim(' (by a worker this command ran)') : ''}`
      : `no summary: ${r.summary.reason}`,
    r.filePath ? `report: ${r.filePath}` : dim('no file written'),
  ];
  return lines.join('\n');
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("make one day's report now: spend by budget, model and kind, jobs, estimated vs actual, the saving against the premium model, alerts, and an LLM-written summary; stored in Postgres and written as Markdown")
    .option('--date <date>', 'the day: YYYY-MM-DD, today or yesterday', 'today')
    .option('--tz <zone>', "time zone in which the day begins (default: this machine's)")
    .option('--out <dir>', 'folder for the Markdown file', './reports')
    .option('--tier <tier>', 'tier of the summary job', 'standard')
    .option('--budget <name>', 'budget the summary is charged to (repeatable)', collect, [])
    .option('--no-summary', 'skip the LLM-written executive summary')
    .option('--summary-timeout <seconds>', 'how long to wait for the summary', '300')
    .option('--json', 'print one JSON document (money in *Micros keys)')
    .action(async (options: { date: string; tz?: string; out: string; tier: string; budget: string[]; summary: boolean; summaryTimeout: string; json?: boolean }) => {
      const tier = parseTier(options.tier);
      const timeout = parseCount(options.summaryTimeout, '--summary-timeout', { max: 86_400 });
      parseDaySpec(options.date);
      if (options.tz !== undefined) checkTimeZone(options.tz);
      const result = await withContext((ctx) =>
        runReport(ctx, { date: options.date, tz: options.tz, out: options.out, tier, budgets: options.budget, summary: options.summary, summaryTimeoutMs: timeout * 1000 }),
      );
      if (options.json) printJson(result);
      else process.stdout.write(`${formatReportResult(result)}\n`);
    });
}
