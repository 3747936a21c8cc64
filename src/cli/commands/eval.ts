import type { Command } from 'commander';
import { BudgetLedger } from '../../budget/budget-ledger.js';
import { InputError } from '../../errors.js';
import { EvalCaller } from '../../evals/eval-caller.js';
import { forecastEval, type EvalForecast } from '../../evals/forecast-eval.js';
import type { LearnedRating } from '../../evals/learn-ratings.js';
import { applyRatings, proposeRatings } from '../../evals/propose-ratings.js';
import { runEval, type EvalOptions, type EvalSummary } from '../../evals/run-eval.js';
import { createLogger } from '../../log.js';
import { loadCalibration } from '../../pricing/calibration-store.js';
import { estimateUsageFor } from '../../pricing/estimate-usage.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { formatDollars } from '../../pricing/money.js';
import { KINDS, type Kind } from '../../pricing/types.js';
import { createProviders } from '../../providers/create-providers.js';
import { parseDaySpec, resolveDay } from '../../reports/report-day.js';
import { LearnedRatingStore } from '../../router/learned-rating-store.js';
import { ProviderLimiter } from '../../workers/provider-limiter.js';
import { withContext, type CliContext } from '../context.js';
import { bold, dim, formatTable, printJson } from '../output.js';
import { parseCount } from '../parse-options.js';
import { formatProposals, parseRatingOptions, type RatingCliOptions } from './ratings.js';

interface EvalCliOptions extends RatingCliOptions {
  kind?: string;
  sample: string;
  since?: string;
  models?: string;
  reference?: string;
  budget?: string;
  dryRun?: boolean;
  json?: boolean;
  apply?: boolean;
}

/** `frugal eval --json` (after a real run). */
export interface EvalReport extends EvalSummary {
  /** With --apply: the ratings put in force. */
  applied?: LearnedRating[];
}

/** Validates the flags of `frugal eval` into run options. */
export function parseEvalOptions(options: EvalCliOptions, now = new Date()): EvalOptions {
  const kind = options.kind?.trim().toLowerCase();
  if (!kind || !(KINDS as readonly string[]).includes(kind)) throw new InputError(`--kind ${options.kind === undefined ? 'is missing' : `"${options.kind}" is not a job kind`}`, `give one of ${KINDS.join(', ')}`);
  const models = options.models?.split(',').map((m) => m.trim()).filter(Boolean);
  if (options.models !== undefined && (!models || models.length === 0)) throw new InputError('--models is empty', 'give catalog model ids separated by commas, e.g. --models llama-3.1-8b,gpt-4o-mini');
  return {
    kind: kind as Kind,
    sample: parseCount(options.sample, '--sample', { min: 1, max: 100_000 }),
    ...(options.since ? { since: new Date(`${resolveDay(parseDaySpec(options.since, '--since'), 'UTC', now)}T00:00:00Z`) } : {}),
    ...(models ? { models } : {}),
    ...(options.reference ? { reference: options.reference.trim() } : {}),
    ...(options.budget ? { budget: options.budget.trim() } : {}),
  };
}

async function evalDeps(ctx: CliContext) {
  const { pool, db } = await ctx.db();
  const catalog = loadCatalog(ctx.config);
  const calibration = await loadCalibration(db, { refreshMs: 0 });
  ctx.onClose(async () => calibration.stop());
  const providers = createProviders(ctx.config, { estimateUsage: estimateUsageFor(catalog), logger: createLogger('silent') });
  return { pool, catalog, calibration, providers };
}

/** Runs an eval (or forecasts it), with the same limiter and ledger as the workers. */
export async function collectEval(ctx: CliContext, options: EvalOptions, flags: { dryRun?: boolean; apply?: boolean; rating?: RatingCliOptions } = {}): Promise<EvalReport | EvalForecast> {
  const deps = await evalDeps(ctx);
  if (options.models) for (const id of options.models) deps.catalog.require(id);
  if (options.reference) deps.catalog.require(options.reference);
  if (options.budget) {
    const { rows } = await deps.pool.query('select 1 from budgets where name = $1', [options.budget]);
    if (rows.length === 0) throw new InputError(`--budget "${options.budget}" does not exist`, 'create it with frugal budget set, or leave --budget out');
  }
  if (flags.dryRun) return forecastEval(deps, options);
  const redis = await ctx.redis();
  const limiter = new ProviderLimiter(redis, ctx.config.queuePrefix, (modelId) => {
    const limits = deps.catalog.get(modelId)?.rateLimits;
    if (!limits || (limits.rpm === undefined && limits.tpm === undefined)) return undefined;
    return { requests: limits.rpm ?? Number.MAX_SAFE_INTEGER, tokens: limits.tpm ?? Number.MAX_SAFE_INTEGER, windowMs: (limits.windowSeconds ?? 60) * 1000 };
  });
  ctx.onClose(() => limiter.flush());
  const ledger = new BudgetLedger(deps.pool, { mode: 'perCall', logger: createLogger('silent') });
  const caller = new EvalCaller({ ...deps, ledger, admission: limiter, budgetNames: options.budget ? [options.budget] : [] });
  const summary: EvalReport = await runEval({ ...deps, caller }, options);
  if (flags.apply) {
    const store = new LearnedRatingStore(deps.pool);
    const proposals = await proposeRatings(deps.pool, deps.catalog, await store.load(), { kind: options.kind, ...parseRatingOptions(flags.rating ?? {}) });
    summary.applied = await applyRatings(store, proposals);
  }
  return summary;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function formatEval(report: EvalReport): string {
  const lines = [
    `${bold(`eval #${report.runId}`)}: ${report.kind}, ${report.sample.items} job(s) replayed against reference ${report.reference} (agreement with the reference, not with the truth)`,
    dim(`skipped: ${report.sample.skipped.private} private, ${report.sample.skipped.pruned} pruned, ${report.sample.skipped.parts} parts of long documents; ${report.sample.strata.length} day × source strata`),
    '',
    formatTable(report.models, [
      { header: 'MODEL', value: (r) => r.model },
      { header: 'AGREEMENT', value: (r) => (r.items === 0 ? '—' : pct(r.agreement)), align: 'right' },
      { header: '95 % INTERVAL', value: (r) => (r.items === 0 ? '—' : `${pct(r.lower)}–${pct(r.upper)}`), align: 'right' },
      { header: 'ITEMS', value: (r) => String(r.items), align: 'right' },
      { header: 'COST / 1,000 JOBS', value: (r) => formatDollars(r.costPer1000JobsMicros), align: 'right' },
      { header: 'FIELDS', value: (r) => (r.fieldAgreement === null ? '' : pct(r.fieldAgreement)), align: 'right' },
      { header: 'JUDGE', value: (r) => r.judge ?? '' },
      { header: 'FLIPS', value: (r) => (r.flipRate === null ? '' : pct(r.flipRate)), align: 'right' },
      { header: 'ERRORS', value: (r) => (r.errors === 0 ? '' : String(r.errors)), align: 'right' },
    ]),
  ];
  const disagreements = report.models.flatMap((r) => r.disagreements.map((d) => `  ${r.model} on ${d.jobId.slice(0, 16)}: ${d.reason}`));
  if (disagreements.length > 0) lines.push('', 'disagreements:', ...disagreements);
  lines.push('', `eval calls ${formatDollars(report.evalCostMicros)}, judge calls ${formatDollars(report.judgeCostMicros)}`);
  if (report.applied) lines.push('', report.applied.length === 0 ? 'no rating changed' : `put in force:\n${formatProposals(report.applied)}`);
  return lines.join('\n');
}

export function formatEvalForecast(f: EvalForecast): string {
  return [
    `eval forecast: ${f.kind}, ${f.items} job(s), reference ${f.reference}, ${f.calls} call(s): expected ${formatDollars(f.expectedCostMicros)}, at most ${formatDollars(f.maxCostMicros)}`,
    '',
    formatTable(f.perModel, [
      { header: 'MODEL', value: (r) => r.model },
      { header: 'ROLE', value: (r) => r.role },
      { header: 'CALLS', value: (r) => String(r.calls), align: 'right' },
      { header: 'EXPECTED', value: (r) => formatDollars(r.expectedCostMicros), align: 'right' },
      { header: 'MAXIMUM', value: (r) => formatDollars(r.maxCostMicros), align: 'right' },
    ]),
    dim('answers already stored for a model cost nothing; nothing was called'),
  ].join('\n');
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('replay a sample of completed jobs on candidate models and score each answer against a reference model (agreement with the reference, with a 95 % interval)')
    .option('--kind <kind>', `job kind: ${KINDS.join(', ')}`)
    .option('--sample <n>', 'jobs to replay, stratified by day × source', '200')
    .option('--since <date>', 'only jobs finished on or after this day: YYYY-MM-DD, today or yesterday')
    .option('--models <a,b>', 'candidate models (default: every configured model but the reference)')
    .option('--reference <model>', 'reference model (default: the cheapest premium-rated model for the kind)')
    .option('--budget <name>', 'charge the eval to this budget (global budgets apply too, kind: budgets never)')
    .option('--dry-run', 'forecast the eval\'s cost; call nothing')
    .option('--apply', 'then put the learned ratings in force (like frugal ratings apply)')
    .option('--min-items <n>', 'with --apply: fewest items that change a rating', '50')
    .option('--thresholds <b,s,a>', 'with --apply: agreement needed for basic, standard, advanced', '0.80,0.90,0.95')
    .option('--json', 'print one JSON document (money in *Micros keys)')
    .action(async (options: EvalCliOptions) => {
      const parsed = parseEvalOptions(options);
      const report = await withContext((ctx) => collectEval(ctx, parsed, { dryRun: options.dryRun ?? false, apply: options.apply ?? false, rating: options }));
      if (options.json) printJson(report);
      else process.stdout.write(`${'perModel' in report ? formatEvalForecast(report) : formatEval(report)}\n`);
    });
}
