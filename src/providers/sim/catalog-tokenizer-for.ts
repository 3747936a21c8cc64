import type { Catalog } from '../../pricing/catalog.js';
import { defaultTokenizerFor, type TokenizerFor } from './default-tokenizer-for.js';

/**
 * Counts each model's usage with the encoding the catalog assigns it, times the simulated
 * vendor's hidden ratio (Claude's tokenizer counts more than tiktoken does), so the simulator
 * and frugal's estimator disagree exactly where the real vendors do.
 */
export function catalogTokenizerFor(catalog: Catalog): TokenizerFor {
  const byModelId = new Map(catalog.list().map((m) => [m.providerModelId, m.tokenizer.encoding]));
  return (modelId) => {
    const fallback = defaultTokenizerFor(modelId);
    const encoding = byModelId.get(modelId);
    return encoding ? { encoding, ratio: fallback.ratio } : fallback;
  };
}
