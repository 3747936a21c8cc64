import { CliContext } from '../../src/cli/context.js';
import { collectEval, type EvalReport } from '../../src/cli/commands/eval.js';
import { applyLearnedRatings } from '../../src/cli/commands/ratings.js';
import type { EvalForecast } from '../../src/evals/forecast-eval.js';
import type { LearnedRating } from '../../src/evals/learn-ratings.js';
import type { EvalOptions } from '../../src/evals/run-eval.js';
import { parseJobSpec, type JobSpec } from '../../src/jobs/job-spec.js';
import type { Pipeline } from '../support/pipeline.js';

/** Catalog override for eval tests: room for a few hundred calls a minute on every model (Haiku's tier-1 limit is 50). */
export const ROOMY_CATALOG = { models: { 'claude-haiku': { rateLimits: { rpm: 100_000, tpm: 100_000_000 } }, 'gpt-4o-mini': { rateLimits: { rpm: 100_000, tpm: 100_000_000 } } } };

const TOPICS = ['invoice', 'refund', 'login', 'crash', 'delivery', 'password', 'upgrade', 'export', 'receipt', 'timeout'];

/** `n` distinct classify jobs; the label each mentions follows its index. */
export function classifyJobs(n: number, tier: JobSpec['tier'], salt = ''): JobSpec[] {
  return Array.from({ length: n }, (_, i) =>
    parseJobSpec({
      kind: 'classify',
      tier,
      payload: {
        text: `Ticket ${salt}${i}: the customer writes about the ${TOPICS[i % TOPICS.length]} (${i % 3 === 0 ? 'billing' : i % 3 === 1 ? 'bug' : 'other'} matter) on day ${Math.floor(i / 10)}.`,
        labels: ['billing', 'bug', 'other'],
      },
    }),
  );
}

/** Runs `frugal eval` as the CLI does, in its own context. */
export async function runEvalCommand(pipeline: Pipeline, options: EvalOptions, flags: { dryRun?: boolean; apply?: boolean } = {}): Promise<EvalReport | EvalForecast> {
  const ctx = new CliContext(pipeline.config);
  try {
    return await collectEval(ctx, options, flags);
  } finally {
    await ctx.close();
  }
}

export async function applyRatingsCommand(pipeline: Pipeline): Promise<LearnedRating[]> {
  const ctx = new CliContext(pipeline.config);
  try {
    return await applyLearnedRatings(ctx);
  } finally {
    await ctx.close();
  }
}
