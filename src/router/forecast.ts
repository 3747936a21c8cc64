import { JOB_KINDS, type Prompt } from '../jobs/index.js';
import type { JobSpec } from '../jobs/job-spec.js';
import type { Calibration } from '../pricing/calibration.js';
import type { Catalog } from '../pricing/catalog.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import type { EstimateRequest } from '../pricing/count-request-tokens.js';
import { estimate, type Estimate } from '../pricing/estimate.js';
import type { ProviderId } from '../pricing/types.js';
import { priceInBatch } from './price-in-batch.js';
import { route, type LearnedRatingsInForce, type Route } from './route.js';

export interface Forecast {
  route: Route;
  /** Every catalog model's estimate, by model id. */
  estimates: Map<string, Estimate>;
  /** The chosen model's estimate, when one was chosen. */
  chosen: { model: CatalogModel; estimate: Estimate } | undefined;
}

/** The estimate request of a job: what its prompt sends and its output cap. */
export function estimateRequestFor(spec: JobSpec, prompt: Prompt = JOB_KINDS[spec.kind].buildPrompt(spec.payload)): EstimateRequest {
  return {
    kind: spec.kind,
    system: prompt.system,
    messages: prompt.messages,
    ...(prompt.output ? { schema: prompt.output.schema } : {}),
    ...('maxWords' in prompt.outputCap ? { maxWords: prompt.outputCap.maxWords } : { maxOutputTokens: prompt.outputCap.maxTokens }),
  };
}

/**
 * Where a job would go and what it would cost, without calling anything: every model estimated,
 * the router's choice among the providers that are configured (health and budgets aside).
 */
export function forecast(
  spec: JobSpec,
  catalog: Catalog,
  calibration: Calibration,
  providerUnavailable: (provider: ProviderId) => string | undefined,
  budgetRoomMicros?: number,
  learnedRatings?: LearnedRatingsInForce,
  /** Whether the job may go to this model's batch API (its deadline leaves the vendor's window). Default: never. */
  batchEligible: (model: CatalogModel) => boolean = () => false,
): Forecast {
  const request = estimateRequestFor(spec);
  const estimates = new Map<string, Estimate>();
  const candidates = catalog.list().map((model) => {
    const e = estimate(request, model, calibration);
    estimates.set(model.id, e);
    return { model, estimate: e, ...(batchEligible(model) ? { batch: { estimate: priceInBatch(e, model) } } : {}) };
  });
  const decision = route({ kind: spec.kind, tier: spec.tier, private: spec.private, candidates, providerUnavailable, budgetRoomMicros, ...(learnedRatings ? { learnedRatings } : {}) });
  const model = decision.modelId === undefined ? undefined : catalog.require(decision.modelId);
  const chosen = model ? { model, estimate: decision.mode === 'batch' ? priceInBatch(estimates.get(model.id)!, model) : estimates.get(model.id)! } : undefined;
  return { route: decision, estimates, chosen };
}
