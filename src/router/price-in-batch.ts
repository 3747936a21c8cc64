import type { CatalogModel } from '../pricing/catalog-model.js';
import { callCostMicros } from '../pricing/cost-micros.js';
import type { Estimate } from '../pricing/estimate.js';

/** The same call's estimate at the vendor's batch price (the catalog's `batchDiscountPercent`). */
export function priceInBatch(est: Estimate, model: CatalogModel): Estimate {
  return {
    ...est,
    maxCostMicros: callCostMicros(model, est.maxInputTokens, 0, est.maxOutputTokens, true),
    expectedCostMicros: callCostMicros(model, est.inputTokens, 0, est.expectedOutputTokens, true),
  };
}
