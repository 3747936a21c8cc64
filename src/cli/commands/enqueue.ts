import { Option, type Command } from 'commander';
import type pg from 'pg';
import { BudgetStore } from '../../budget/budget-store.js';
import type { Config } from '../../config.js';
import { InputError } from '../../errors.js';
import { parseJobSpec, type JobSpec } from '../../jobs/job-spec.js';
import { parseDeadline } from '../../jobs/parse-deadline.js';
import { NO_CALIBRATION } from '../../pricing/calibration.js';
import { loadCalibration } from '../../pricing/calibration-store.js';
import { LearnedRatingStore } from '../../router/learned-rating-store.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { formatDollars } from '../../pricing/money.js';
import { KINDS, TIERS } from '../../pricing/types.js';
import { createProviders } from '../../providers/create-providers.js';
import { jobIdFor } from '../../queue/job-id.js';
import { openProducer } from '../../queue/open-producer.js';
import type { EnqueueOutcome } from '../../queue/producer.js';
import { isBatchEligible } from '../../batch/batch-eligible.js';
import { forecastJob, whyNoModel } from '../../router/forecast-job.js';
import { withContext, type CliContext } from '../context.js';
import { bold, printJson, printTable, red } from '../output.js';
import { collect, parseCount } from '../parse-options.js';
import { progressBar } from '../progress-bar.js';
import { readDocuments } from '../read-documents.js';
import { readJobLines } from '../read-job-lines.js';
import { parseBudgetName } from '../../budget/parse-budget-fields.js';

interface EnqueueOptions {
  file?: string;
  tier: string;
  budget: string[];
  maxWords?: string;
  private?: boolean;
  priority?: string;
  deadline?: string;
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

interface Item {
  source: string;
  spec: JobSpec;
}

interface Problem {
  source: string;
  error: string;
}

/** Jobs are added in slices of this many, so progress shows and memory stays flat. */
const SLICE = 500;

export function registerEnqueue(program: Command): void {
  program
    .command('enqueue')
    .description('add jobs to the queue: documents to summarize, or a JSON Lines file of jobs of any kind')
    .argument('[kind]', 'job kind for documents given as paths (only "summarize" reads documents)')
    .argument('[inputs...]', 'files, folders (read recursively) or - for standard input')
    .option('--file <jobs.jsonl>', 'a JSON Lines file with one job per line (see README, "Job files"); - reads standard input')
    .addOption(new Option('--tier <tier>', 'minimum quality').choices(TIERS).default('standard'))
    .option('--budget <name>', 'charge this budget (repeat for several)', collect, [])
    .option('--max-words <n>', 'target length of each summary (default 150)')
    .option('--private', 'only self-hosted models may see these documents')
    .option('--priority <n>', 'BullMQ priority: 1 is the highest')
    .option('--deadline <when>', 'when the answers are needed: 24h, 2d or an ISO time; 24h or more lets frugal use the vendors\' half-price batch APIs')
    .option('--force', 'run again even when the same job already has a result')
    .option('--dry-run', 'print the forecast (model, expected and maximum cost, fit with each budget) and enqueue nothing')
    .option('--json', 'print the outcome as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  frugal enqueue summarize ./reports --tier basic --budget marketing\n  cat notes.txt | frugal enqueue summarize - --max-words 80\n  frugal enqueue --file jobs.jsonl --dry-run\n  frugal enqueue summarize ./nightly --deadline 24h   # batch-eligible: half price',
    )
    .action(async (kind: string | undefined, inputs: string[], options: EnqueueOptions) => {
      await withContext(async (ctx) => {
        await checkFlagBudgets(ctx, options.budget);
        const { items, problems } = await collectJobs(kind, inputs, options);
        await checkBudgetsExist(ctx, items, problems);
        checkProvidersConfigured(ctx.config);
        if (!options.dryRun) refuseUnroutable(ctx.config, items, problems);
        if (options.dryRun) {
          await printForecast(ctx, items, problems, options);
        } else {
          const outcomes = await enqueueAll(ctx.config, items, options);
          report(items, outcomes, problems, options);
        }
        if (problems.length > 0) process.exitCode = 1;
      });
    });
}

async function collectJobs(kind: string | undefined, inputs: string[], options: EnqueueOptions): Promise<{ items: Item[]; problems: Problem[] }> {
  const items: Item[] = [];
  const problems: Problem[] = [];
  if (options.file) {
    if (kind !== undefined) throw new InputError(`give either --file or a kind with paths, not both (got kind "${kind}")`, 'jobs in a file name their own kind');
    for (const line of await readJobLines(options.file)) {
      if ('error' in line) problems.push(line);
      else items.push({ source: line.source, spec: withFlags(line.spec, options) });
    }
    return { items, problems };
  }
  if (kind === undefined) throw new InputError('nothing to enqueue', 'give "summarize" and paths, or --file jobs.jsonl');
  if (kind !== 'summarize') {
    const known = (KINDS as readonly string[]).includes(kind);
    throw new InputError(
      known ? `${kind} jobs need more than a document (labels or a schema)` : `unknown job kind "${kind}"`,
      known ? 'put them in a JSON Lines file and use --file' : `use one of ${KINDS.join(', ')}`,
    );
  }
  if (inputs.length === 0) throw new InputError('no documents given', 'name files or folders, or - for standard input');
  const maxWords = options.maxWords === undefined ? undefined : parseCount(options.maxWords, '--max-words', { min: 10, max: 5_000 });
  const priority = options.priority === undefined ? undefined : parseCount(options.priority, '--priority', { max: 2_097_152 });
  const deadline = deadlineFlag(options);
  for (const document of await readDocuments(inputs)) {
    if ('error' in document) {
      problems.push(document);
      continue;
    }
    try {
      const spec = parseJobSpec({
        kind,
        tier: options.tier,
        payload: { text: document.text, ...(maxWords ? { maxWords } : {}), ...(document.source === '-' ? {} : { source: document.source }) },
        budgets: options.budget,
        private: options.private ?? false,
        ...(priority ? { priority } : {}),
        ...(deadline ? { deadline } : {}),
      });
      items.push({ source: document.source, spec });
    } catch (error) {
      problems.push({ source: document.source, error: (error as Error).message });
    }
  }
  return { items, problems };
}

/** Flags given on the command line add to what each line of a job file says. */
function withFlags(spec: JobSpec, options: EnqueueOptions): JobSpec {
  const budgets = [...new Set([...spec.budgets, ...options.budget])].sort();
  const priority = options.priority === undefined ? spec.priority : parseCount(options.priority, '--priority', { max: 2_097_152 });
  const flag = deadlineFlag(options);
  // The earlier of the line's deadline and the flag's.
  const deadline = flag === undefined || (spec.deadline !== undefined && spec.deadline < flag) ? spec.deadline : flag;
  return { ...spec, budgets, private: spec.private || options.private === true, ...(priority === undefined ? {} : { priority }), ...(deadline === undefined ? {} : { deadline }) };
}

/** `--deadline` as an ISO instant (relative forms counted from now), or undefined. */
function deadlineFlag(options: EnqueueOptions): string | undefined {
  if (options.deadline === undefined) return undefined;
  try {
    return parseDeadline(options.deadline).toISOString();
  } catch (error) {
    throw new InputError(`--deadline: ${(error as InputError).message}`, (error as InputError).hint ?? 'give 24h, 2d or an ISO time');
  }
}

/** A `--budget` that is invalid or missing is one error before any input is read, not one per file. */
async function checkFlagBudgets(ctx: CliContext, names: readonly string[]): Promise<void> {
  for (const name of names) parseBudgetName(name);
  if (names.length === 0) return;
  const { pool } = await ctx.db();
  const known = new Set((await new BudgetStore(pool).list()).map((b) => b.name));
  const missing = names.find((name) => !known.has(name));
  if (missing !== undefined) throw new InputError(`budget "${missing}" does not exist`, `create it first: frugal budget set ${missing} --limit 10 --period day`);
}

/** A job naming a budget that does not exist would fail at its first call: refuse it now. */
async function checkBudgetsExist(ctx: CliContext, items: Item[], problems: Problem[]): Promise<void> {
  const named = new Set(items.flatMap((i) => i.spec.budgets));
  if (named.size === 0) return;
  const { pool } = await ctx.db();
  const known = new Set((await new BudgetStore(pool).list()).map((b) => b.name));
  for (let i = items.length - 1; i >= 0; i--) {
    const missing = items[i]!.spec.budgets.filter((b) => !known.has(b));
    if (missing.length === 0) continue;
    const name = missing[0]!;
    const valid = (() => {
      try {
        return parseBudgetName(name) === name;
      } catch {
        return false;
      }
    })();
    problems.push({
      source: items[i]!.source,
      error: valid
        ? `budget "${name}" does not exist (create it with: frugal budget set ${name} --limit 10 --period day)`
        : `budget name ${JSON.stringify(name)} is not valid (use 1 to 64 letters, digits, "_", ".", ":" or "-")`,
    });
    items.splice(i, 1);
  }
  problems.sort((a, b) => a.source.localeCompare(b.source, undefined, { numeric: true }));
}

async function enqueueAll(config: Config, items: Item[], options: EnqueueOptions): Promise<EnqueueOutcome[]> {
  if (items.length === 0) return [];
  const opened = await openProducer(config);
  const bar = options.json ? undefined : progressBar(items.length, 'enqueue');
  try {
    const outcomes: EnqueueOutcome[] = [];
    for (let i = 0; i < items.length; i += SLICE) {
      const slice = items.slice(i, i + SLICE);
      outcomes.push(...(await opened.producer.enqueue(slice.map((item) => item.spec), { force: options.force === true })));
      bar?.update(Math.min(i + SLICE, items.length));
    }
    return outcomes;
  } finally {
    bar?.stop();
    await opened.close();
  }
}

function report(items: Item[], outcomes: EnqueueOutcome[], problems: Problem[], options: EnqueueOptions): void {
  const count = (status: EnqueueOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const jobs = items.map((item, i) => ({ source: item.source, jobId: outcomes[i]!.jobId, status: outcomes[i]!.status, ...(outcomes[i]!.chunks ? { chunks: outcomes[i]!.chunks } : {}) }));
  if (options.json) {
    printJson({ queued: count('queued'), duplicate: count('duplicate'), done: count('done'), failed: problems.length, jobs, errors: problems });
    return;
  }
  for (const problem of problems) process.stderr.write(`${red('skipped')} ${problem.source}: ${problem.error}\n`);
  const split = jobs.filter((j) => j.chunks);
  process.stdout.write(
    `${bold(`queued ${count('queued')} job(s)`)}` +
      (count('duplicate') ? `, ${count('duplicate')} already queued` : '') +
      (count('done') ? `, ${count('done')} already done (use --force to run again)` : '') +
      (split.length ? `; ${split.length} long document(s) split into ${split.reduce((n, j) => n + (j.chunks ?? 0), 0)} chunks` : '') +
      (problems.length ? `; ${problems.length} input(s) skipped` : '') +
      '\n',
  );
}

async function printForecast(ctx: CliContext, items: Item[], problems: Problem[], options: EnqueueOptions): Promise<void> {
  const { db, pool } = await ctx.db();
  const catalog = loadCatalog(ctx.config);
  const calibration = await loadCalibration(db, { refreshMs: 0 }).catch(() => NO_CALIBRATION);
  const providers = createProviders(ctx.config, { logger: { info: () => {} } });
  // The learned ratings in force now, as a worker would route with them.
  const learned = await new LearnedRatingStore(pool).load().catch(() => undefined);
  // What `enqueue` would skip as already done costs nothing: leave it out of the forecast.
  const done = options.force ? new Set<string>() : await jobsWithResults(pool, items.map((item) => jobIdFor(item.spec)));
  const skippedDone = items.filter((item) => done.has(jobIdFor(item.spec)));
  const byModel = new Map<string, { jobs: number; calls: number; expectedMicros: number; maxMicros: number }>();
  const jobs = [];
  const forecastItems: Item[] = [];
  for (const item of items) {
    if (done.has(jobIdFor(item.spec))) continue;
    const now = Date.now();
    const f = forecastJob(item.spec, catalog, calibration, (p) => providers.unavailableReason(p), {
      batchEligible: (spec, m) => isBatchEligible(spec, m, now),
      ...(learned ? { learnedRatings: learned } : {}),
    });
    if (f.noModel) {
      problems.push({ source: item.source, error: f.noModel });
      continue;
    }
    const label = (model: string | null, mode: 'sync' | 'batch') => `${model!}${mode === 'batch' ? ' (batch)' : ''}`;
    const main = byModel.get(label(f.model, f.mode)) ?? { jobs: 0, calls: 0, expectedMicros: 0, maxMicros: 0 };
    main.jobs++;
    byModel.set(label(f.model, f.mode), main);
    for (const step of f.steps) {
      const row = byModel.get(label(step.model, step.mode)) ?? { jobs: 0, calls: 0, expectedMicros: 0, maxMicros: 0 };
      row.calls += step.calls;
      row.expectedMicros += step.expectedCostMicros;
      row.maxMicros += step.maxCostMicros;
      byModel.set(label(step.model, step.mode), row);
    }
    forecastItems.push(item);
    jobs.push({
      source: item.source,
      jobId: jobIdFor(item.spec),
      model: f.model,
      mode: f.mode,
      calls: f.calls,
      ...(f.chunks === undefined ? {} : { chunks: f.chunks, reduceCalls: f.reduceCalls }),
      expectedCostMicros: f.expectedCostMicros,
      maxCostMicros: f.maxCostMicros,
    });
  }
  problems.sort((a, b) => a.source.localeCompare(b.source, undefined, { numeric: true }));
  const totalExpected = jobs.reduce((n, j) => n + j.expectedCostMicros, 0);
  const totalMax = jobs.reduce((n, j) => n + j.maxCostMicros, 0);

  // What each applicable budget would be charged at most, against what it has left.
  const store = new BudgetStore(pool);
  const charges = new Map<string, { remainingMicros: number; hard: boolean; maxMicros: number }>();
  for (const [i, item] of forecastItems.entries()) {
    for (const budget of await store.applicable({ kind: item.spec.kind, budgetNames: item.spec.budgets })) {
      const entry = charges.get(budget.name) ?? { remainingMicros: budget.remainingMicros, hard: budget.hard, maxMicros: 0 };
      entry.maxMicros += jobs[i]!.maxCostMicros;
      charges.set(budget.name, entry);
    }
  }
  const budgets = [...charges].map(([name, c]) => ({ name, hard: c.hard, remainingMicros: c.remainingMicros, maxChargeMicros: c.maxMicros, fits: c.maxMicros <= c.remainingMicros }));

  if (options.json) {
    printJson({ jobs, byModel: Object.fromEntries(byModel), expectedCostMicros: totalExpected, maxCostMicros: totalMax, budgets, alreadyDone: skippedDone.length, errors: problems });
    return;
  }
  for (const problem of problems) process.stderr.write(`${red('skipped')} ${problem.source}: ${problem.error}\n`);
  const split = jobs.filter((j) => j.chunks !== undefined);
  process.stdout.write(
    `${bold('forecast')} for ${jobs.length} job(s) — nothing enqueued` +
      (skippedDone.length ? `; ${skippedDone.length} already done, left out (--force to include)` : '') +
      (split.length ? `; ${split.length} long document(s) split into ${split.reduce((n, j) => n + (j.chunks ?? 0), 0)} chunks and ${split.reduce((n, j) => n + (j.reduceCalls ?? 0), 0)} reduce calls` : '') +
      '\n\n',
  );
  if (jobs.length === 0) return;
  printTable([...byModel].map(([model, r]) => ({ model, ...r })), [
    { header: 'MODEL', value: (r) => r.model },
    { header: 'JOBS', value: (r) => r.jobs, align: 'right' },
    { header: 'CALLS', value: (r) => r.calls, align: 'right' },
    { header: 'EXPECTED', value: (r) => formatDollars(r.expectedMicros), align: 'right' },
    { header: 'MAXIMUM', value: (r) => formatDollars(r.maxMicros), align: 'right' },
  ]);
  process.stdout.write(`\ntotal: expected ${formatDollars(totalExpected)}, at most ${formatDollars(totalMax)}\n`);
  if (budgets.length > 0) {
    process.stdout.write('\n');
    printTable(budgets, [
      { header: 'BUDGET', value: (b) => `${b.name}${b.hard ? '' : ' (soft)'}` },
      { header: 'LEFT', value: (b) => formatDollars(b.remainingMicros), align: 'right' },
      { header: 'AT MOST', value: (b) => formatDollars(b.maxChargeMicros), align: 'right' },
      { header: 'FITS', value: (b) => (b.fits ? 'yes' : b.hard ? 'no: jobs will wait for budget' : 'no: over the soft limit') },
    ]);
  }
}

/** Nothing can run without a provider: say so, and how to configure one, before enqueueing anything. */
function checkProvidersConfigured(config: Config): void {
  const providers = createProviders(config, { logger: { info: () => {} } });
  if (providers.available().length > 0) return;
  throw new InputError(
    'no provider is configured, so no model can take these jobs',
    'set a provider API key (GROQ_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY), FRUGAL_LOCAL_URL for a self-hosted model, or FRUGAL_SIM_URL for the simulator',
  );
}

/** A job no model can ever take (its tier, privacy, the providers configured) is refused, not queued to fail. */
function refuseUnroutable(config: Config, items: Item[], problems: Problem[]): void {
  const catalog = loadCatalog(config);
  const providers = createProviders(config, { logger: { info: () => {} } });
  for (let i = items.length - 1; i >= 0; i--) {
    const why = whyNoModel(items[i]!.spec, catalog, (p) => providers.unavailableReason(p));
    if (why === undefined) continue;
    problems.push({ source: items[i]!.source, error: why });
    items.splice(i, 1);
  }
  problems.sort((a, b) => a.source.localeCompare(b.source, undefined, { numeric: true }));
}

async function jobsWithResults(pool: pg.Pool, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 5_000) {
    const { rows } = await pool.query<{ job_id: string }>('select job_id from results where job_id = any($1)', [ids.slice(i, i + 5_000)]);
    for (const row of rows) found.add(row.job_id);
  }
  return found;
}
