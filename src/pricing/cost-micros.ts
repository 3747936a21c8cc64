import type { CatalogModel } from './catalog-model.js';
import type { Usage } from './types.js';

const PER_MILLION = 1_000_000;

export interface CostOptions {
  /** Price at the vendor's batch-API discount. Default false. */
  batch?: boolean;
}

/**
 * What a call with `usage` costs on `model`, in integer micro-dollars.
 *
 * Integer arithmetic only: the sum of tokens × micro-dollars-per-million is computed exactly,
 * then divided by one million once and rounded UP, so a call is never under-charged and is
 * over-charged by less than 1 µ$. Cached input tokens are priced at the cached rate (normal
 * input rate when the model has none); a cached count above the input count is capped at it.
 * When the prompt is longer than the model's long-context threshold, the whole call is priced
 * at the long-context rates.
 */
export function costMicros(usage: Usage, model: CatalogModel, options: CostOptions = {}): number {
  return callCostMicros(model, usage.inputTokens, usage.cachedInputTokens, usage.outputTokens, options.batch === true);
}

/** {@link costMicros} on loose numbers, for the estimator's hot path (no Usage object). */
export function callCostMicros(model: CatalogModel, inputTokens: number, cachedInputTokens: number, outputTokens: number, batch = false): number {
  assertTokens(inputTokens, 'inputTokens');
  assertTokens(cachedInputTokens, 'cachedInputTokens');
  assertTokens(outputTokens, 'outputTokens');
  const long = model.longContext !== undefined && inputTokens > model.longContext.aboveInputTokens ? model.longContext : undefined;
  const inputPrice = long ? long.inputPerMillionMicros : model.inputPerMillionMicros;
  const outputPrice = long ? long.outputPerMillionMicros : model.outputPerMillionMicros;
  const cachedPrice = (long ? long.cachedInputPerMillionMicros : model.cachedInputPerMillionMicros) ?? inputPrice;
  const cached = cachedInputTokens < inputTokens ? cachedInputTokens : inputTokens;
  const keepPercent = batch ? 100 - model.batchDiscountPercent : 100;

  const numerator = ((inputTokens - cached) * inputPrice + cached * cachedPrice + outputTokens * outputPrice) * keepPercent;
  const divisor = PER_MILLION * 100;
  if (Number.isSafeInteger(numerator)) return ceilDivide(numerator, divisor);
  return Number(ceilDivideBig(
    (BigInt(inputTokens - cached) * BigInt(inputPrice) + BigInt(cached) * BigInt(cachedPrice) + BigInt(outputTokens) * BigInt(outputPrice)) * BigInt(keepPercent),
    BigInt(divisor),
  ));
}

function ceilDivide(numerator: number, divisor: number): number {
  const quotient = Math.floor(numerator / divisor);
  return numerator - quotient * divisor > 0 ? quotient + 1 : quotient;
}

function ceilDivideBig(numerator: bigint, divisor: bigint): bigint {
  const quotient = numerator / divisor;
  return numerator % divisor > 0n ? quotient + 1n : quotient;
}

function assertTokens(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer (got ${value})`);
}
