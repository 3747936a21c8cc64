import type pg from 'pg';
import type { Calibration } from '../pricing/calibration.js';
import type { Catalog } from '../pricing/catalog.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { reasoningKey } from './reasoning-key.js';
import { estimate } from '../pricing/estimate.js';
import type { Kind } from '../pricing/types.js';
import type { ProviderRegistry } from '../providers/create-providers.js';
import type { JsonSchema } from '../providers/types.js';
import { JOB_KINDS } from '../jobs/index.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { estimateRequestFor } from '../router/forecast.js';
import type { Logger } from '../log.js';
import type { EvalCaller } from './eval-caller.js';
import { buildJudgePrompt } from './build-judge-prompt.js';
import { chooseEvalModels } from './choose-eval-models.js';
import { EvalError } from './eval-error.js';
import { sampleJobs, type EvalSourceJob, type Sample } from './sample-jobs.js';
import { scoreClassify, scoreExtract, scorePairwise, type ItemScore, type Verdict } from './score-answer.js';
import { wilsonInterval } from './wilson-interval.js';

export interface EvalOptions {
  kind: Kind;
  /** Jobs to replay. Default 200. */
  sample?: number;
  since?: Date;
  /** Candidate model ids. Default: every configured model but the reference. */
  models?: readonly string[];
  /** Reference model id. Default: the cheapest premium-rated model for the kind. */
  reference?: string;
  budget?: string;
  /** Disagreements listed per model. Default 3. */
  examples?: number;
  seed?: number;
}

export interface EvalModelRow {
  model: string;
  judge: string | null;
  items: number;
  agreements: number;
  agreement: number;
  lower: number;
  upper: number;
  /** Extract: mean share of required fields equal to the reference's. */
  fieldAgreement: number | null;
  flips: number;
  flipRate: number | null;
  /** What the model's answers cost in this eval, scaled to 1,000 jobs (judge calls excluded). */
  costPer1000JobsMicros: number;
  /** Items that could not be scored (the call failed; no judge). */
  errors: number;
  disagreements: Array<{ jobId: string; reason: string }>;
}

export interface EvalSummary {
  runId: number;
  kind: Kind;
  reference: string;
  sample: Pick<Sample, 'considered' | 'skipped' | 'strata'> & { items: number };
  models: EvalModelRow[];
  evalCostMicros: number;
  judgeCostMicros: number;
}

export interface EvalDeps {
  pool: pg.Pool;
  catalog: Catalog;
  calibration: Calibration;
  providers: ProviderRegistry;
  caller: EvalCaller;
  log?: Logger;
}

interface Answer {
  text: string;
  object: unknown;
  costMicros: number;
  /** Why the answer is unusable (it failed the kind's output check). */
  failed?: string;
}

/** A stored or fresh answer of a model to one replayed job. */
type AnswerFor = (model: CatalogModel, job: EvalSourceJob) => Promise<Answer>;

/**
 * Replays a sample of completed jobs of one kind on each candidate model and scores every answer
 * against the reference model's (agreement with the reference, not with the truth). Each item is
 * pinned to its model; eval and judge calls go through the EvalCaller (reserve → call → settle,
 * ledger purpose `eval` / `judge`) and never write `results`. Items are stored in `eval_items`,
 * the evidence of learned ratings.
 */
export async function runEval(deps: EvalDeps, options: EvalOptions): Promise<EvalSummary> {
  const { pool, catalog, providers, caller } = deps;
  const kind = options.kind;
  const models = chooseEvalModels(catalog, providers, kind, options);
  const everyone = [models.reference, ...models.candidates, ...[...models.judges.values()].filter((m): m is CatalogModel => m !== undefined)];
  const sample = await sampleJobs(pool, {
    kind,
    sample: options.sample ?? 200,
    ...(options.since ? { since: options.since } : {}),
    allowPrivate: everyone.every((m) => m.provider === 'local'),
    seed: options.seed ?? 1,
  });
  const { rows } = await pool.query<{ id: number }>('insert into eval_runs (kind, reference, models, params) values ($1, $2, $3, $4) returning id', [
    kind,
    models.reference.id,
    models.candidates.map((m) => m.id),
    JSON.stringify({ ...options, since: options.since?.toISOString() }),
  ]);
  const runId = rows[0]!.id;
  let evalCost = 0;
  let judgeCost = 0;
  let seq = 0;
  const itemId = (model: string, jobId: string) => `eval:${runId}:${model}:${jobId}`;

  const answerFor: AnswerFor = async (model, job) => {
    if (job.model === model.id) return { text: job.outputText, object: job.outputJson ?? undefined, costMicros: 0 };
    const jobKind = JOB_KINDS[kind] as (typeof JOB_KINDS)[Kind];
    const spec: JobSpec = { kind, tier: 'basic', payload: job.payload, budgets: [], private: job.private };
    const prompt = jobKind.buildPrompt(job.payload as never);
    const { response, costMicros } = await caller.call({
      purpose: 'eval',
      itemId: itemId(model.id, job.jobId),
      seq: seq++,
      model,
      request: { system: prompt.system, messages: prompt.messages, ...(prompt.output ? { output: prompt.output } : {}) },
      estimate: estimateRequestFor(spec, prompt),
    });
    evalCost += costMicros;
    const check = jobKind.checkOutput(job.payload as never, response);
    if (!check.ok) return { text: response.text, object: undefined, costMicros, failed: check.reason };
    return { text: check.output.text, object: check.output.object, costMicros };
  };

  const judge = async (judgeModel: CatalogModel, candidate: CatalogModel, job: EvalSourceJob, a: string, b: string): Promise<Verdict> => {
    const prompt = JOB_KINDS[kind].buildPrompt(job.payload as never);
    const source = prompt.messages.at(-1)?.content ?? '';
    const request = buildJudgePrompt(kind, source, a, b);
    const { response, costMicros } = await caller.call({
      purpose: 'judge',
      itemId: itemId(candidate.id, job.jobId),
      seq: seq++,
      model: judgeModel,
      request,
      estimate: { kind, system: request.system ?? '', messages: request.messages, schema: request.output!.schema, maxOutputTokens: 16 },
    });
    judgeCost += costMicros;
    const verdict = (response.object as { verdict?: unknown } | undefined)?.verdict;
    if (verdict !== 'A' && verdict !== 'B' && verdict !== 'tie') throw new EvalError('EVAL_CALL_FAILED', `judge ${judgeModel.id} answered ${JSON.stringify(response.text.slice(0, 60))}, not A, B or tie`);
    return verdict;
  };

  const table: EvalModelRow[] = models.candidates.map((m) => ({
    model: m.id,
    judge: kind === 'summarize' || kind === 'report' ? (models.judges.get(m.id)?.id ?? null) : null,
    items: 0,
    agreements: 0,
    agreement: 0,
    lower: 0,
    upper: 1,
    fieldAgreement: null,
    flips: 0,
    flipRate: null,
    costPer1000JobsMicros: 0,
    errors: 0,
    disagreements: [],
  }));
  const candidateCost = new Map<string, { micros: number; items: number }>();
  const fieldSums = new Map<string, number>();

  for (const job of sample.jobs) {
    let reference: Answer;
    try {
      reference = await answerFor(models.reference, job);
    } catch (error) {
      if (error instanceof EvalError && error.code === 'EVAL_BUDGET_REFUSED') throw error;
      deps.log?.warn({ jobId: job.jobId, err: (error as Error).message }, 'reference call failed; job left out of the eval');
      continue;
    }
    if (reference.failed) continue; // nothing to compare with
    for (const [i, candidate] of models.candidates.entries()) {
      const row = table[i]!;
      let score: ItemScore;
      let answer: Answer | undefined;
      try {
        answer = await answerFor(candidate, job);
        const cost = candidateCost.get(candidate.id) ?? { micros: 0, items: 0 };
        // A stored answer cost nothing now; price it as a fresh call would have.
        cost.micros += answer.costMicros > 0 || job.model !== candidate.id ? answer.costMicros : estimate(estimateRequestFor({ kind, tier: 'basic', payload: job.payload, budgets: [], private: false }), candidate, deps.calibration).expectedCostMicros;
        cost.items++;
        candidateCost.set(candidate.id, cost);
        if (answer.failed) score = { agree: false, reason: `answer failed the output check: ${answer.failed}` };
        else if (kind === 'classify') score = scoreClassify(answer.object, reference.object);
        else if (kind === 'extract') score = scoreExtract(answer.object, reference.object, (job.payload as { schema: JsonSchema }).schema);
        else {
          const judgeModel = models.judges.get(candidate.id);
          if (!judgeModel) {
            row.errors++;
            continue;
          }
          const first = await judge(judgeModel, candidate, job, reference.text, answer.text);
          const second = await judge(judgeModel, candidate, job, answer.text, reference.text);
          score = scorePairwise(first, second);
        }
      } catch (error) {
        if (error instanceof EvalError && error.code === 'EVAL_BUDGET_REFUSED') throw error;
        row.errors++;
        deps.log?.warn({ jobId: job.jobId, model: candidate.id, err: (error as Error).message }, 'eval item failed');
        continue;
      }
      row.items++;
      if (score.agree) row.agreements++;
      else if (row.disagreements.length < (options.examples ?? 3)) row.disagreements.push({ jobId: job.jobId, reason: score.reason });
      if (score.flip) row.flips++;
      if (score.fieldAgreement !== undefined) fieldSums.set(candidate.id, (fieldSums.get(candidate.id) ?? 0) + score.fieldAgreement);
      await pool.query(
        `insert into eval_items (run_id, job_id, kind, model, reference, judge, agree, flip, field_agreement, reason, answer, cost_micros, reasoning)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) on conflict do nothing`,
        [runId, job.jobId, kind, candidate.id, models.reference.id, row.judge, score.agree, score.flip ?? false, score.fieldAgreement ?? null, score.reason, answer?.text.slice(0, 4000) ?? null, answer?.costMicros ?? 0, reasoningKey(candidate, kind)],
      );
    }
  }

  for (const row of table) {
    const { lower, upper } = wilsonInterval(row.agreements, row.items);
    row.agreement = row.items === 0 ? 0 : row.agreements / row.items;
    row.lower = lower;
    row.upper = upper;
    const fields = fieldSums.get(row.model);
    row.fieldAgreement = fields === undefined || row.items === 0 ? null : fields / row.items;
    row.flipRate = row.judge === null || row.items === 0 ? null : row.flips / row.items;
    const cost = candidateCost.get(row.model);
    row.costPer1000JobsMicros = cost && cost.items > 0 ? Math.round((cost.micros / cost.items) * 1000) : 0;
  }
  const summary: EvalSummary = {
    runId,
    kind,
    reference: models.reference.id,
    sample: { considered: sample.considered, skipped: sample.skipped, strata: sample.strata, items: sample.jobs.length },
    models: table,
    evalCostMicros: evalCost,
    judgeCostMicros: judgeCost,
  };
  await pool.query('update eval_runs set summary = $2, cost_micros = $3, finished_at = now() where id = $1', [runId, JSON.stringify(summary), evalCost + judgeCost]);
  return summary;
}
