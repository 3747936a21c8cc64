import type pg from 'pg';
import { JOB_KINDS } from '../jobs/index.js';
import type { Calibration } from '../pricing/calibration.js';
import type { Catalog } from '../pricing/catalog.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { estimate } from '../pricing/estimate.js';
import type { ProviderRegistry } from '../providers/create-providers.js';
import { estimateRequestFor } from '../router/forecast.js';
import { buildJudgePrompt } from './build-judge-prompt.js';
import { chooseEvalModels } from './choose-eval-models.js';
import type { EvalOptions } from './run-eval.js';
import { sampleJobs, type Sample } from './sample-jobs.js';

export interface EvalForecast {
  kind: string;
  reference: string;
  items: number;
  skipped: Sample['skipped'];
  calls: number;
  expectedCostMicros: number;
  maxCostMicros: number;
  perModel: Array<{ model: string; role: 'reference' | 'candidate' | 'judge'; calls: number; expectedCostMicros: number; maxCostMicros: number }>;
}

/**
 * What `frugal eval` would cost (`--dry-run`): the same sample and models, every call estimated
 * and none made. Answers already stored for a model cost nothing; judge prompts are estimated
 * with the reference's expected answer in both places.
 */
export async function forecastEval(deps: { pool: pg.Pool; catalog: Catalog; calibration: Calibration; providers: ProviderRegistry }, options: EvalOptions): Promise<EvalForecast> {
  const kind = options.kind;
  const models = chooseEvalModels(deps.catalog, deps.providers, kind, options);
  const everyone = [models.reference, ...models.candidates];
  const sample = await sampleJobs(deps.pool, {
    kind,
    sample: options.sample ?? 200,
    ...(options.since ? { since: options.since } : {}),
    allowPrivate: everyone.every((m) => m.provider === 'local'),
    seed: options.seed ?? 1,
  });
  const rows = new Map<string, EvalForecast['perModel'][number]>();
  const add = (model: CatalogModel, role: 'reference' | 'candidate' | 'judge', expected: number, max: number) => {
    const key = `${role}:${model.id}`;
    const row = rows.get(key) ?? { model: model.id, role, calls: 0, expectedCostMicros: 0, maxCostMicros: 0 };
    row.calls++;
    row.expectedCostMicros += expected;
    row.maxCostMicros += max;
    rows.set(key, row);
  };
  for (const job of sample.jobs) {
    const prompt = JOB_KINDS[kind].buildPrompt(job.payload as never);
    const request = estimateRequestFor({ kind, tier: 'basic', payload: job.payload, budgets: [], private: job.private }, prompt);
    for (const model of everyone) {
      if (job.model === model.id) continue;
      const e = estimate(request, model, deps.calibration);
      add(model, model === models.reference ? 'reference' : 'candidate', e.expectedCostMicros, e.maxCostMicros);
    }
    if (kind === 'summarize' || kind === 'report') {
      const answer = 'x '.repeat(Math.max(1, Math.round(estimate(request, models.reference, deps.calibration).expectedOutputTokens)));
      const judgePrompt = buildJudgePrompt(kind, prompt.messages.at(-1)?.content ?? '', answer, answer);
      for (const candidate of models.candidates) {
        const judge = models.judges.get(candidate.id);
        if (!judge) continue;
        const e = estimate({ kind, system: judgePrompt.system ?? '', messages: judgePrompt.messages, schema: judgePrompt.output!.schema, maxOutputTokens: 16 }, judge, deps.calibration);
        add(judge, 'judge', e.expectedCostMicros, e.maxCostMicros);
        add(judge, 'judge', e.expectedCostMicros, e.maxCostMicros);
      }
    }
  }
  const perModel = [...rows.values()];
  return {
    kind,
    reference: models.reference.id,
    items: sample.jobs.length,
    skipped: sample.skipped,
    calls: perModel.reduce((s, r) => s + r.calls, 0),
    expectedCostMicros: perModel.reduce((s, r) => s + r.expectedCostMicros, 0),
    maxCostMicros: perModel.reduce((s, r) => s + r.maxCostMicros, 0),
    perModel,
  };
}
