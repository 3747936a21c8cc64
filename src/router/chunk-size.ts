import type { Calibration } from '../pricing/calibration.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { ratingMeetsTier, type Kind, type ProviderId, type Tier } from '../pricing/types.js';

/** Tokens kept free in a window for the system prompt and the chat format around a chunk. */
export const CHUNK_PROMPT_ALLOWANCE = 300;

export interface ChunkSizeRequest {
  kind: Kind;
  tier: Tier;
  private: boolean;
  /** The job's output cap in tokens. */
  outputTokens: number;
  /** The configured chunk size (cl100k_base tokens). */
  chunkTokens: number;
  /** Whether the provider can take calls (configured; health aside). */
  providerUsable: (provider: ProviderId) => boolean;
}

/**
 * The largest piece of a long document (in cl100k_base tokens) that one call can summarize:
 * the configured chunk size, but no more than the largest window a qualified model offers once
 * the output and the prompt are set aside, converted at the model's safe token ratio. Zero when
 * no model qualifies at all.
 */
export function chunkTokensFor(models: readonly CatalogModel[], calibration: Calibration, request: ChunkSizeRequest): number {
  let largest = 0;
  for (const model of models) {
    if (!ratingMeetsTier(model.ratings[request.kind], request.tier)) continue;
    if (request.private && model.provider !== 'local') continue;
    if (!request.providerUsable(model.provider)) continue;
    const output = Math.min(request.outputTokens, model.maxOutputTokens);
    const room = model.contextWindow - output - CHUNK_PROMPT_ALLOWANCE;
    const counted = Math.floor(room / calibration.inputRatios(model).safeRatio);
    if (counted > largest) largest = counted;
  }
  return Math.min(largest, request.chunkTokens);
}
