import type { CatalogModel, TokenizerSpec } from './catalog-model.js';
import { countTokens } from './tokenizer.js';

/**
 * How to count `model`'s tokens: the encoding and its correction factors from the catalog
 * (before calibration). The provider simulator counts usage with this too.
 */
export function tokenizerFor(model: CatalogModel): TokenizerSpec {
  return model.tokenizer;
}

/** Tokens of `text` in `model`'s catalog encoding, without any correction factor. */
export function countModelTokens(text: string, model: CatalogModel): number {
  return countTokens(text, model.tokenizer.encoding);
}

/**
 * `tokens` scaled by a correction `ratio`, rounded up. The small tolerance keeps products such as
 * 100 × 1.2 (120.00000000000001 in floating point) from rounding up to 121.
 */
export function scaleTokens(tokens: number, ratio: number): number {
  if (ratio === 1) return tokens;
  return Math.ceil(tokens * ratio - 1e-6);
}
