import { pathToFileURL } from 'node:url';
import { openDb } from '../src/db/client.js';
import { DEFAULT_MODELS } from '../src/pricing/default-catalog.js';
import { KINDS } from '../src/pricing/types.js';
import type { SimStats } from '../src/providers/sim/sim-stats.js';
import type { BenchFn, BenchSection } from './section.js';
import type pg from 'pg';
import { createBenchEnv, type BenchEnv } from './support/bench-env.js';
import { enqueue, usd } from './support/batches.js';
import { writeCatalogFile } from './support/catalog-file.js';
import { untilJobsFinished } from './support/db-progress.js';
import { referenceWorkload } from './support/reference-workload.js';
import { spawnSimulator } from './support/sim-process.js';
import { spawnWorker } from './support/spawn-worker.js';
import { CliContext } from '../src/cli/context.js';
import { collectEval, type EvalReport } from '../src/cli/commands/eval.js';
import { qualityProfile } from '../src/providers/sim/quality-profiles.js';

type Run = 'routed' | 'allPremium' | 'allGpt4oMini' | 'routedWithDeadlines';

interface Priced {
  costMicros: number;
  calls: number;
  completed: number;
  failed: number;
  byModel: string;
  batchCalls: number;
  /** Thinking tokens per provider model, as the simulator counted them (a part of the output). */
  reasoning: Array<{ model: string; thinkingTokens: number; outputTokens: number }>;
}

const NO_RATINGS = Object.fromEntries(KINDS.map((kind) => [kind, 'none']));
const PREMIUM_RATINGS = Object.fromEntries(KINDS.map((kind) => [kind, 'premium']));
/** Cost does not depend on rate limits; without them the three runs take seconds. */
const NO_LIMITS = { rpm: null, tpm: null };

/** Catalog overrides: `routed` is the built-in catalog; the others leave one model qualified for everything. */
function catalogFor(run: Run): Record<string, Record<string, unknown>> {
  const models: Record<string, Record<string, unknown>> = {};
  for (const model of DEFAULT_MODELS) {
    const only = run === 'allPremium' ? 'claude-haiku' : run === 'allGpt4oMini' ? 'gpt-4o-mini' : undefined;
    models[model.id] = {
      rateLimits: NO_LIMITS,
      ...(only === undefined ? {} : { ratings: model.id === only ? PREMIUM_RATINGS : NO_RATINGS }),
    };
  }
  return models;
}

/**
 * Cost of the reference mixed workload (60 summarize, 60 extract, 60 classify jobs over all four
 * tiers) as frugal routes it, against every job on the premium model (Claude Haiku) and every job
 * on GPT-4o mini. Three real runs of the same jobs against the simulator (which reports usage with
 * each vendor's tokenizer), and the routed run again with every job given a 24h deadline (so the
 * router may send it to the OpenAI or Groq batch API at half price); the comparison runs restrict the catalog's ratings so that one model
 * qualifies for every job. Cost is the ledger's total: every call, escalations included.
 */
export const benchCost: BenchFn = async (): Promise<BenchSection> => {
  const priced = {} as Record<Run, Priced>;
  for (const run of ['routed', 'allPremium', 'allGpt4oMini', 'routedWithDeadlines'] as const) priced[run] = await price(run);
  const { routed, allPremium, allGpt4oMini, routedWithDeadlines } = priced;
  const batchShare = routedWithDeadlines.costMicros / routed.costMicros;
  const learned = await priceLearned();
  const saving = (other: Priced): string => `routed costs ${((routed.costMicros / other.costMicros) * 100).toFixed(0)} % of this`;
  const reasoningRows = (['routed', 'allPremium'] as const).flatMap((run) =>
    priced[run].reasoning.map((r) => ({
      name: `reasoning tokens, ${run === 'routed' ? 'routed' : 'all on Claude Haiku'}: ${r.model}`,
      value: r.thinkingTokens,
      unit: 'tokens',
      note: `of ${r.outputTokens} output tokens (${r.outputTokens === 0 ? 0 : ((r.thinkingTokens / r.outputTokens) * 100).toFixed(1)} %)`,
    })),
  );
  return {
    title: 'Cost of the reference mixed workload (180 jobs: summarize, extract, classify over four tiers)',
    rows: [
      { name: 'routed by frugal', value: dollars(routed.costMicros), unit: 'USD', note: `${routed.calls} calls, ${routed.completed} completed, ${routed.failed} failed; ${routed.byModel}` },
      { name: 'all on the premium model (Claude Haiku)', value: dollars(allPremium.costMicros), unit: 'USD', note: `${allPremium.calls} calls, ${allPremium.completed} completed; ${saving(allPremium)}` },
      {
        name: 'static catalog (simulated quality profile)',
        value: dollars(learned.staticRun.costMicros),
        unit: 'USD',
        note: `${learned.staticRun.calls} calls, ${learned.staticRun.completed} completed; ${learned.staticRun.byModel}`,
      },
      {
        name: 'routed on learned ratings (simulated quality profile)',
        value: dollars(learned.learnedRun.costMicros),
        unit: 'USD',
        note: `${learned.learnedRun.calls} calls, ${learned.learnedRun.completed} completed; ${learned.learnedRun.byModel}; ratings changed: ${learned.changes || 'none'}; the evals cost ${usd(learned.evalMicros)}`,
      },
      { name: 'all on GPT-4o mini', value: dollars(allGpt4oMini.costMicros), unit: 'USD', note: `${allGpt4oMini.calls} calls, ${allGpt4oMini.completed} completed; ${saving(allGpt4oMini)}` },
      {
        name: 'routed by frugal, every job with a 24h deadline (provider batches)',
        value: dollars(routedWithDeadlines.costMicros),
        unit: 'USD',
        note: `${(batchShare * 100).toFixed(0)} % of the same workload run synchronously (target ≤ 55 %); ${routedWithDeadlines.batchCalls} of ${routedWithDeadlines.calls} calls in batch mode, ${routedWithDeadlines.completed} completed; ${routedWithDeadlines.byModel}`,
      },
      ...reasoningRows,
    ],
    results: {
      'cost.routedMicros': routed.costMicros,
      'cost.allPremiumMicros': allPremium.costMicros,
      'cost.allGpt4oMiniMicros': allGpt4oMini.costMicros,
      'cost.routedShareOfAllPremium': Math.round((routed.costMicros / allPremium.costMicros) * 1000) / 1000,
      'cost.routedShareOfAllGpt4oMini': Math.round((routed.costMicros / allGpt4oMini.costMicros) * 1000) / 1000,
      'cost.staticQualityProfileMicros': learned.staticRun.costMicros,
      'cost.learnedRatingsMicros': learned.learnedRun.costMicros,
      'cost.learnedRatingsEvalMicros': learned.evalMicros,
      'cost.routedCalls': routed.calls,
      'cost.routedFailedJobs': routed.failed,
      'cost.routedWithDeadlinesMicros': routedWithDeadlines.costMicros,
      'cost.routedWithDeadlinesShareOfSync': Math.round(batchShare * 1000) / 1000,
      'cost.routedWithDeadlinesBatchCalls': routedWithDeadlines.batchCalls,
      ...Object.fromEntries(routed.reasoning.map((r) => [`cost.routedReasoningTokens.${r.model}`, r.thinkingTokens])),
      ...Object.fromEntries(allPremium.reasoning.map((r) => [`cost.allPremiumReasoningTokens.${r.model}`, r.thinkingTokens])),
    },
  };
};

/**
 * The workload on a simulator with the `realistic` quality profile, routed on the static catalog;
 * then `frugal eval --apply` for each kind (60 jobs each, every configured model against the
 * reference); then the same workload in a fresh database holding only those learned ratings.
 */
async function priceLearned(): Promise<{ staticRun: Priced; learnedRun: Priced; evalMicros: number; changes: string }> {
  const catalogPath = writeCatalogFile(catalogFor('routed'));
  const sim = await spawnSimulator({ env: { FRUGAL_CATALOG: catalogPath }, config: { models: qualityProfile('realistic') } });
  try {
    let evalMicros = 0;
    let ratings: Array<Record<string, unknown>> = [];
    const staticRun = await price('routed', { sim, after: async (env, pool) => {
      const ctx = new CliContext(env.config);
      try {
        for (const kind of ['classify', 'extract', 'summarize'] as const) {
          const report = (await collectEval(ctx, { kind, sample: 60 }, { apply: true })) as EvalReport;
          evalMicros += report.evalCostMicros + report.judgeCostMicros;
        }
      } finally {
        await ctx.close();
      }
      ratings = (await pool.query('select model, kind, rating, catalog_rating, evidence from learned_ratings order by kind, model')).rows;
    } });
    const changes = ratings.map((r) => `${String(r.model)} ${String(r.kind)} ${String(r.catalog_rating)}→${String(r.rating)}`).join(', ');
    const learnedRun = await price('routed', { sim, before: async (pool) => {
      for (const r of ratings) {
        await pool.query('insert into learned_ratings (model, kind, rating, catalog_rating, evidence) values ($1, $2, $3, $4, $5)', [r.model, r.kind, r.rating, r.catalog_rating, JSON.stringify(r.evidence)]);
      }
    } });
    return { staticRun, learnedRun, evalMicros, changes };
  } finally {
    await sim.close();
  }
}

interface PriceHooks {
  /** Use this simulator (kept running) instead of starting one. */
  sim?: Awaited<ReturnType<typeof spawnSimulator>>;
  /** Before the worker starts. */
  before?: (pool: pg.Pool) => Promise<void>;
  /** After the workload is priced, before the database is dropped. */
  after?: (env: BenchEnv, pool: pg.Pool) => Promise<void>;
}

async function price(run: Run, hooks: PriceHooks = {}): Promise<Priced> {
  const catalogPath = writeCatalogFile(catalogFor(run));
  const sim = hooks.sim ?? (await spawnSimulator({ env: { FRUGAL_CATALOG: catalogPath } }));
  const env = await createBenchEnv(`cost_${run.toLowerCase()}`, { FRUGAL_SIM_URL: sim.url, FRUGAL_CATALOG: catalogPath });
  const db = await openDb(env.databaseUrl, { max: 2, applicationName: 'frugal-bench-cost' });
  try {
    await hooks.before?.(db.pool);
    const worker = await spawnWorker(env.env, { mode: 'frugal', concurrency: 32, batches: { collectMs: 1_000, pollMs: 500, tickMs: 250 } });
    try {
      const specs = referenceWorkload([], run === 'routedWithDeadlines' ? '24h' : undefined);
      await enqueue(env.config, specs);
      const { completed, failed } = await untilJobsFinished(db.pool, specs.length, 180_000);
      const ledger = await db.pool.query<{ cost: string | null; calls: string; batch: string }>(
        `select sum(cost_micros) as cost, count(*) as calls, count(*) filter (where mode = 'batch') as batch from ledger where status in ('settled', 'closed_as_spent') and purpose = 'job'`,
      );
      const models = await db.pool.query<{ model: string; n: string }>('select model, count(*) as n from results group by model order by count(*) desc, model');
      await hooks.after?.(env, db.pool);
      const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as SimStats;
      const reasoning = Object.entries(stats.models)
        .map(([model, counters]) => ({ model, thinkingTokens: counters.thinkingTokens, outputTokens: counters.outputTokens }))
        .sort((a, b) => a.model.localeCompare(b.model));
      return {
        reasoning,
        costMicros: Number(ledger.rows[0]?.cost ?? 0),
        calls: Number(ledger.rows[0]?.calls ?? 0),
        completed,
        failed,
        byModel: models.rows.map((r) => `${r.model} ${r.n}`).join(', '),
        batchCalls: Number(ledger.rows[0]?.batch ?? 0),
      };
    } finally {
      await worker.close();
    }
  } finally {
    await db.close();
    if (!hooks.sim) await sim.close();
    await env.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchCost();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}

function dollars(micros: number): string {
  return usd(micros).replace('$', '');
}
