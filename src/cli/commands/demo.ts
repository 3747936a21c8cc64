import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BudgetStore } from '../../budget/budget-store.js';
import type { BudgetStatus } from '../../budget/types.js';
import { getConfig, type Config } from '../../config.js';
import { describePgError, openDb } from '../../db/client.js';
import { migrate, quoteIdent } from '../../db/migrate.js';
import { InputError, redactUrl } from '../../errors.js';
import { parseJobSpec, type JobSpec } from '../../jobs/job-spec.js';
import { createLogger } from '../../log.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { formatDollars } from '../../pricing/money.js';
import { catalogTokenizerFor } from '../../providers/sim/catalog-tokenizer-for.js';
import { startSimulator, type RunningSimulator } from '../../providers/sim/simulator.js';
import { openProducer, type OpenProducer } from '../../queue/open-producer.js';
import { connectRedis } from '../../queue/redis.js';
import { dayRange, querySpend } from '../../reports/query-spend.js';
import { dateIn, localTimeZone } from '../../reports/report-day.js';
import type { AlertFigure, SpendRow } from '../../reports/report-figures.js';
import { ReportRunner, type ReportOutcome } from '../../reports/report-runner.js';
import { FrugalWorker } from '../../workers/frugal-worker.js';
import { bold, dim, formatTable, green, printJson, yellow } from '../output.js';
import { progressBar } from '../progress-bar.js';
import { ensureDemoServices } from '../throwaway-services.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

export interface DemoOptions {
  /** Database the demo uses on the configured Postgres server. Default `frugal_demo`. */
  database?: string;
  /** BullMQ prefix of the demo's queues. Default `frugal-demo`. */
  prefix?: string;
  /** Folder of the report. Default `./reports`. */
  out?: string;
  /** Keep the previous run's data: jobs already done are reported as done and cost nothing. Default false (start afresh). */
  keep?: boolean;
  /** Use the simulator even when provider keys are set. Default: only when none is. */
  simulate?: boolean;
  /** Largest piece of a long document summarized in one call (tokens). Default 1,500, so map-reduce shows. */
  chunkTokens?: number;
  /** Shows a progress bar on stderr (only ever on a terminal). Default true. */
  progress?: boolean;
  /** Receives the narration (what the demo is doing). Default: none. */
  narrate?: (line: string) => void;
  /** Configuration to start from. Default the process's. */
  config?: Config;
}

/** `frugal demo --json`. */
export interface DemoResult {
  database: string;
  prefix: string;
  /** `simulator` (in-process, no keys needed), `simulator-url` (FRUGAL_SIM_URL) or `real`. */
  providers: 'simulator' | 'simulator-url' | 'real';
  reset: boolean;
  jobs: { enqueued: number; alreadyDone: number; completed: number; failed: number; waitingForBudget: number; longDocumentChunks: number };
  spendByModel: SpendRow[];
  totalMicros: number;
  budget: Pick<BudgetStatus, 'name' | 'limitMicros' | 'spentMicros' | 'reservedMicros' | 'remainingMicros' | 'hard' | 'exhausted'>;
  alerts: AlertFigure[];
  report: {
    path: string | null;
    summary: ReportOutcome['summary']['status'];
    summaryModel: string | null;
    summaryCostMicros: number;
    /** The jobs' spend the report covers (its own summary came after). */
    actualMicros: number;
    /** The same calls on the premium model alone. */
    premiumMicros: number;
    savingMicros: number;
    savingPercent: number | null;
  };
  /** Where the demo's data is, for other commands (password redacted). */
  databaseUrl: string;
  /**
   * Services the demo started because none answered at the configured addresses (a throwaway
   * redis-server or Postgres cluster), with their processes and folders — all gone when it returns.
   */
  startedServices: { started: string[]; pids: number[]; folders: string[] };
  elapsedMs: number;
}

const DEMO_BUDGET = 'demo';

/**
 * The one-command tour: a dedicated database and queue prefix (a user's own data is never
 * touched), the simulator when no provider key is set, a demo budget, bulk summarization of the
 * sample corpus (its long document through map-reduce) plus extract and classify jobs, an
 * in-process worker until the queue drains, then spend, budget, alerts and the day's report.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const base = options.config ?? getConfig();
  const database = options.database ?? 'frugal_demo';
  const prefix = options.prefix ?? 'frugal-demo';
  const progress = options.progress ?? true;
  const say = options.narrate ?? (() => {});
  const hasKeys = Object.values(base.keys).some((k) => k !== undefined);
  const mode: DemoResult['providers'] = options.simulate || (!hasKeys && !base.simUrl) ? 'simulator' : base.simUrl ? 'simulator-url' : 'real';
  const closers: Array<() => Promise<void>> = [];
  const services = await ensureDemoServices(base.redisUrl, base.databaseUrl, say);
  closers.push(() => services.stop());
  // Ctrl-C or a kill would skip the finally below: what the demo started must not outlive it.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping and removing the services the demo started\n`);
    void services.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (services.started.length > 0) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    closers.push(async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  }
  const databaseUrl = withDatabase(services.databaseUrl, database);

  try {
    let sim: RunningSimulator | undefined;
    if (mode === 'simulator') {
      sim = await startSimulator({
        port: 0,
        tokenizerFor: catalogTokenizerFor(loadCatalog(base)),
        // A little latency, so the run looks like one against real providers.
        config: { models: { '*': { latencyMs: 150, jitterMs: 100 } } },
      });
      closers.push(() => sim!.close());
    }
    // The demo's alerts stay in the demo: never posted to the team's real alert webhook.
    const config: Config = { ...base, databaseUrl, redisUrl: services.redisUrl, queuePrefix: prefix, alertWebhook: undefined, ...(sim ? { simUrl: sim.url } : {}) };
    say(`${bold('frugal demo')} · database ${redactUrl(databaseUrl)} · queue prefix ${prefix}`);
    say(
      mode === 'simulator'
        ? `providers: ${yellow('simulated')} (no API key set; an in-process simulator speaks each provider's real API at ${sim!.url})`
        : mode === 'simulator-url'
          ? `providers: ${yellow('simulated')} by the simulator at FRUGAL_SIM_URL`
          : `providers: ${green('real')} (API keys found) — this run costs real money, a few cents at most`,
    );

    const reset = !options.keep;
    if (reset) await resetDemoData(databaseUrl, config.redisUrl, prefix);
    await migrate(databaseUrl);
    const dbHandle = await openDb(databaseUrl, { max: 4, applicationName: 'frugal-demo' });
    closers.push(() => dbHandle.close());
    const budgets = new BudgetStore(dbHandle.pool);
    // $0.0075 a day, hard: the demo spends a little over half of it (on the simulator), so the
    // 25 % and 50 % alerts fire while the limit still leaves room for every job.
    await budgets.set({ name: DEMO_BUDGET, limitMicros: 7_500, period: 'day', hard: true, thresholds: [25, 50, 80, 100], tz: localTimeZone() });

    const logger = createLogger(process.env.LOG_LEVEL ?? 'error');
    const chunkTokens = options.chunkTokens ?? 1_500;
    const worker = await FrugalWorker.start(config, { concurrency: 8, chunkTokens, logger, staleCheckMs: 3_600_000 });
    closers.push(() => worker.close());
    const producer: OpenProducer = await openProducer(config, { chunkTokens });
    closers.push(() => producer.close());

    const specs = await demoJobs();
    const outcomes = await producer.producer.enqueue(specs);
    const ids = outcomes.map((o) => o.jobId);
    const alreadyDone = outcomes.filter((o) => o.status === 'done').length;
    const chunks = outcomes.reduce((sum, o) => sum + (o.chunks ?? 0), 0);
    const longDocument = chunks > 0 ? ` (the long one split into ${chunks} chunks of ≤ ${chunkTokens.toLocaleString('en-US')} tokens, summarized map-reduce)` : '';
    say(
      `enqueued ${specs.length} jobs: 13 documents to summarize${longDocument}, ${specs.length - 13} extract and classify jobs` +
        (alreadyDone ? ` — ${alreadyDone} already done by an earlier run (same content: not run again, nothing to pay)` : ''),
    );

    await drainWithProgress(worker, dbHandle.pool, ids, progress);
    say('queue drained; writing the day\'s report (its executive summary is one more LLM job through the same pipeline)');

    const tz = localTimeZone();
    const runner = new ReportRunner({ db: dbHandle.db, pool: dbHandle.pool, catalog: producer.catalog, producer: producer.producer });
    const report = await runner.run({ date: 'today', tz, budgets: [DEMO_BUDGET], outDir: options.out ?? './reports', summaryTimeoutMs: 120_000, trigger: 'demo' });

    const today = dateIn(new Date(), tz);
    const { from, to } = await dayRange(dbHandle.pool, today, today, tz);
    const spendByModel = await querySpend(dbHandle.pool, { from, to, by: 'model' });
    const budget = await budgets.status(DEMO_BUDGET);
    const { rows: alertRows } = await dbHandle.pool.query<{ budget_name: string; threshold: number; spent_micros: string; limit_micros: string; hard: boolean; created_at: Date }>(
      `select budget_name, threshold, spent_micros, limit_micros, hard, created_at from budget_alerts where budget_name = $1 and period_start = $2 order by threshold`,
      [DEMO_BUDGET, budget.periodStart],
    );
    const { rows: counts } = await dbHandle.pool.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from jobs where job_id = any($1) group by status`,
      [ids],
    );
    const count = (status: string) => counts.find((c) => c.status === status)?.n ?? 0;
    return {
      database,
      prefix,
      providers: mode,
      reset,
      jobs: { enqueued: specs.length, alreadyDone, completed: count('completed'), failed: count('failed'), waitingForBudget: count('waiting_budget'), longDocumentChunks: chunks },
      spendByModel,
      totalMicros: spendByModel.reduce((sum, r) => sum + r.spentMicros, 0),
      budget: {
        name: budget.name,
        limitMicros: budget.limitMicros,
        spentMicros: budget.spentMicros,
        reservedMicros: budget.reservedMicros,
        remainingMicros: budget.remainingMicros,
        hard: budget.hard,
        exhausted: budget.exhausted,
      },
      alerts: alertRows.map((a) => ({
        budgetName: a.budget_name,
        threshold: a.threshold,
        spentMicros: Number(a.spent_micros),
        limitMicros: Number(a.limit_micros),
        hard: a.hard,
        createdAt: a.created_at.toISOString(),
      })),
      report: {
        path: report.filePath,
        summary: report.summary.status,
        summaryModel: report.summary.model,
        summaryCostMicros: report.summary.costMicros,
        actualMicros: report.figures.premium.actualMicros,
        premiumMicros: report.figures.premium.equivalentMicros,
        savingMicros: report.figures.premium.savingMicros,
        savingPercent: report.figures.premium.savingPercent,
      },
      databaseUrl: redactUrl(databaseUrl),
      startedServices: { started: services.started, pids: services.leftovers.pids, folders: services.leftovers.folders },
      elapsedMs: Date.now() - started,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
  }
}

/** The sample corpus (short documents at tier basic, the long review at standard) and the extract and classify jobs of examples/jobs.jsonl. */
async function demoJobs(): Promise<JobSpec[]> {
  const corpus = join(EXAMPLES, 'corpus');
  const files = (await readdir(corpus)).filter((f) => f.endsWith('.txt')).sort();
  const specs: JobSpec[] = [];
  for (const file of files) {
    const text = await readFile(join(corpus, file), 'utf8');
    specs.push(parseJobSpec({ kind: 'summarize', tier: 'basic', budgets: [DEMO_BUDGET], payload: { text, maxWords: 80, source: `examples/corpus/${file}` } }));
  }
  const long = join(corpus, 'long', 'annual-operations-review.txt');
  specs.push(parseJobSpec({ kind: 'summarize', tier: 'standard', budgets: [DEMO_BUDGET], payload: { text: await readFile(long, 'utf8'), maxWords: 200, source: `examples/corpus/long/${basename(long)}` } }));
  const lines = (await readFile(join(EXAMPLES, 'jobs.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    const job = JSON.parse(line) as { kind: string };
    if (job.kind === 'extract' || job.kind === 'classify') specs.push(parseJobSpec({ ...job, budgets: [DEMO_BUDGET] }));
  }
  if (specs.length < 14) throw new InputError(`the sample corpus in ${relative(process.cwd(), EXAMPLES) || EXAMPLES} is incomplete`, 'restore examples/ from git');
  return specs;
}

/** Runs until the queue has nothing left that can run, showing results arriving against jobs enqueued. */
async function drainWithProgress(worker: FrugalWorker, pool: pg.Pool, ids: string[], progress: boolean): Promise<void> {
  const finished = async () => {
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from jobs where job_id = any($1) and status in ('completed', 'failed')`, [ids]);
    return rows[0]?.n ?? 0;
  };
  const bar = progress ? progressBar(ids.length, 'jobs') : undefined;
  bar?.update(await finished());
  const timer = bar ? setInterval(() => void finished().then((n) => bar.update(n), () => {}), 200) : undefined;
  try {
    await worker.untilEmpty();
  } finally {
    clearInterval(timer);
    bar?.update(await finished());
    bar?.stop();
  }
}

/** Drops and recreates nothing but the demo's own database and Redis keys. */
async function resetDemoData(databaseUrl: string, redisUrl: string, prefix: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), application_name: 'frugal-demo', connectionTimeoutMillis: 5_000 });
  await admin.connect().catch((error: unknown) => {
    throw describePgError(error, databaseUrl);
  });
  try {
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await admin.end().catch(() => {});
  }
  const redis: Redis = await connectRedis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

function withDatabase(databaseUrl: string, database: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(database)) throw new InputError(`--database "${database}" is not a plain database name`, 'use letters, digits and "_"');
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export function formatDemo(r: DemoResult): string {
  const lines: string[] = [];
  const seconds = (r.elapsedMs / 1000).toFixed(1);
  lines.push('', bold(`Done in ${seconds}s: ${r.jobs.completed} jobs completed, ${r.jobs.failed} failed, ${r.jobs.waitingForBudget} waiting for budget.`));
  if (r.jobs.alreadyDone > 0) lines.push(dim(`${r.jobs.alreadyDone} of them were already done by an earlier run (--keep): found in Postgres, not called again, nothing spent.`));
  lines.push('', bold("Today's spend by model"));
  lines.push(
    r.spendByModel.length === 0
      ? dim('nothing spent')
      : formatTable(r.spendByModel, [
          { header: 'MODEL', value: (s) => s.key },
          { header: 'SPENT', value: (s) => formatDollars(s.spentMicros), align: 'right' },
          { header: 'CALLS', value: (s) => s.calls, align: 'right' },
          { header: 'INPUT TOKENS', value: (s) => s.inputTokens.toLocaleString('en-US'), align: 'right' },
          { header: 'OUTPUT TOKENS', value: (s) => s.outputTokens.toLocaleString('en-US'), align: 'right' },
        ]),
  );
  const summaryCost = r.report.summaryCostMicros > 0 ? ` (the jobs ${formatDollars(r.report.actualMicros)}, the report's summary ${formatDollars(r.report.summaryCostMicros)})` : '';
  lines.push(`total ${formatDollars(r.totalMicros)}${summaryCost}`);
  const percent = r.report.savingPercent === null ? '' : ` (${r.report.savingPercent}%)`;
  lines.push(`the same jobs on the premium model alone: ${formatDollars(r.report.premiumMicros)} — routing saved ${formatDollars(r.report.savingMicros)}${percent}`);
  const b = r.budget;
  lines.push('', bold('Budget'));
  lines.push(`"${b.name}": ${formatDollars(b.spentMicros)} spent of ${formatDollars(b.limitMicros)} a day (${b.hard ? 'hard' : 'soft'}), ${formatDollars(b.remainingMicros)} left${b.exhausted ? ' — exhausted' : ''}`);
  lines.push('', bold('Alerts'));
  if (r.alerts.length === 0) lines.push(dim('none'));
  for (const a of r.alerts) lines.push(`${yellow('⚠')} "${a.budgetName}" reached ${a.threshold}% of its limit (${formatDollars(a.spentMicros)} of ${formatDollars(a.limitMicros)})`);
  lines.push('', bold('Report'));
  lines.push(r.report.path ? `${r.report.path}` : dim('no file written'));
  lines.push(r.report.summary === 'written' ? dim(`executive summary written by ${r.report.summaryModel} through the same pipeline`) : dim('no executive summary'));
  lines.push('');
  if (r.providers === 'real') lines.push('The providers were real: the spend above was charged to your accounts.');
  else lines.push(yellow('The providers were simulated: no API was called and nothing was charged. The figures are what the simulated calls would have cost at list prices.'));
  if (r.startedServices.started.length > 0) {
    lines.push(dim(`The demo ran on services it started itself (${r.startedServices.started.join('; ')}), stopped and removed as it ended: its data went with them. Start Redis and Postgres (docker compose up -d) to keep the data and explore it with the other commands.`));
  } else {
    lines.push(dim(`Explore the demo's data with any command, e.g.: DATABASE_URL=${r.databaseUrl} FRUGAL_PREFIX=${r.prefix} npx frugal spend --by kind`));
  }
  return lines.join('\n');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the one-command tour: summarize the sample corpus, extract and classify, with budgets, alerts and the day\'s report — on the simulator when no API key is set; in its own database (frugal_demo) and queue prefix')
    .option('--keep', "keep the previous run's data (jobs already done are reported as done and cost nothing)")
    .option('--simulate', 'use the simulator even when API keys are set')
    .option('--out <dir>', 'folder for the report', './reports')
    .option('--database <name>', 'database on the configured Postgres server', 'frugal_demo')
    .option('--prefix <prefix>', 'BullMQ prefix of the demo queues', 'frugal-demo')
    .option('--json', 'print one JSON document instead of the tour')
    .action(async (options: { keep?: boolean; simulate?: boolean; out: string; database: string; prefix: string; json?: boolean }) => {
      const narrate = options.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);
      const result = await runDemo({ ...options, progress: options.json ? false : undefined, ...(narrate ? { narrate } : {}) });
      if (options.json) printJson(result);
      else process.stdout.write(`${formatDemo(result)}\n`);
    });
}
