import type { Catalog } from '../../pricing/catalog.js';
import { catalogTokenizerFor } from './catalog-tokenizer-for.js';
import { defaultContextWindowFor, type ContextWindowFor } from './default-context-window-for.js';
import type { TokenizerFor } from './default-tokenizer-for.js';

/**
 * Simulator settings that follow the catalog: each model counts tokens in its catalog encoding
 * and enforces its catalog context window, so a catalog override that shrinks windows for a test
 * shrinks the simulated provider's too.
 */
export function simOptionsFromCatalog(catalog: Catalog): { tokenizerFor: TokenizerFor; contextWindowFor: ContextWindowFor } {
  const windows = new Map(catalog.list().map((m) => [m.providerModelId, m.contextWindow]));
  return {
    tokenizerFor: catalogTokenizerFor(catalog),
    contextWindowFor: (modelId) => windows.get(modelId) ?? defaultContextWindowFor(modelId),
  };
}
