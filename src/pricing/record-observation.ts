import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pricingCalibration, pricingThinkingAllowance } from '../db/schema/pricing.js';
import { applyRaisedAllowance, applyRaisedRatio } from './calibration-store.js';
import type { Effort } from './reasoning.js';

/** One settled call: frugal's raw input-token estimate and what the provider reported. */
export interface Observation {
  modelId: string;
  /** `Estimate.rawInputTokens` of the call. */
  estimatedTokens: number;
  /** Input tokens the provider reported (cached ones included). */
  reportedTokens: number;
}

/** Weight each older observation keeps per newer one: about the last 50 calls count. */
export const DECAY_PER_OBSERVATION = 0.98;
/**
 * Calls estimated below this many tokens do not move the largest ratio: on a few tokens the
 * chat-format overhead dominates and the ratio says nothing about the tokenizer.
 */
export const MIN_TOKENS_FOR_MAX_RATIO = 32;

/** Records one settled call's input-token usage against its estimate (one upsert). */
export function recordObservation(db: Db, modelId: string, estimatedTokens: number, reportedTokens: number): Promise<void> {
  return recordObservations(db, [{ modelId, estimatedTokens, reportedTokens }]);
}

/**
 * Records many settled calls in one statement (one row per model). Calls estimated at zero
 * tokens teach nothing and are skipped.
 */
export async function recordObservations(db: Db, observations: readonly Observation[]): Promise<void> {
  const byModel = new Map<string, { samples: number; estimatedTokens: number; reportedTokens: number; maxRatio: number }>();
  for (const { modelId, estimatedTokens, reportedTokens } of observations) {
    checkTokens(estimatedTokens, 'estimatedTokens');
    checkTokens(reportedTokens, 'reportedTokens');
    if (estimatedTokens === 0) continue;
    let row = byModel.get(modelId);
    if (!row) byModel.set(modelId, (row = { samples: 0, estimatedTokens: 0, reportedTokens: 0, maxRatio: 0 }));
    row.samples += 1;
    row.estimatedTokens += estimatedTokens;
    row.reportedTokens += reportedTokens;
    if (estimatedTokens >= MIN_TOKENS_FOR_MAX_RATIO) row.maxRatio = Math.max(row.maxRatio, reportedTokens / estimatedTokens);
  }
  if (byModel.size === 0) return;
  const t = pricingCalibration;
  await db
    .insert(t)
    .values([...byModel].map(([model, row]) => ({ model, ...row })))
    .onConflictDoUpdate({
      target: t.model,
      set: {
        samples: sql`${t.samples} + excluded.samples`,
        estimatedTokens: sql`${t.estimatedTokens} * power(${DECAY_PER_OBSERVATION}::float8, excluded.samples) + excluded.estimated_tokens`,
        reportedTokens: sql`${t.reportedTokens} * power(${DECAY_PER_OBSERVATION}::float8, excluded.samples) + excluded.reported_tokens`,
        maxRatio: sql`greatest(${t.maxRatio}, excluded.max_ratio)`,
        updatedAt: sql`now()`,
      },
    });
}

/**
 * Raises a model's safe input-token ratio to at least `observedRatio` (reported ÷ raw
 * estimated input tokens of a call whose actual cost exceeded its reservation). Takes effect at
 * once in this process's calibration stores on the same database, and in other processes at
 * their next refresh.
 */
export async function raiseSafeBound(db: Db, modelId: string, observedRatio: number): Promise<void> {
  if (!Number.isFinite(observedRatio) || observedRatio <= 0) throw new RangeError(`observedRatio must be a positive number (got ${observedRatio})`);
  const t = pricingCalibration;
  await db
    .insert(t)
    .values({ model: modelId, maxRatio: observedRatio })
    .onConflictDoUpdate({ target: t.model, set: { maxRatio: sql`greatest(${t.maxRatio}, excluded.max_ratio)`, updatedAt: sql`now()` } });
  applyRaisedRatio(db, modelId, observedRatio);
}

/**
 * Raises a model's thinking allowance at `effort` to at least `tokens` (after a call that stopped
 * at its output limit having thought). Like the safe input bound, it only ever grows; it takes
 * effect at once in this process's calibration stores on the same database, and in other
 * processes at their next refresh.
 */
export async function raiseThinkingAllowance(db: Db, modelId: string, effort: Effort, tokens: number): Promise<void> {
  if (!Number.isSafeInteger(tokens) || tokens <= 0) throw new RangeError(`tokens must be a positive integer (got ${tokens})`);
  const t = pricingThinkingAllowance;
  await db
    .insert(t)
    .values({ model: modelId, effort, allowanceTokens: tokens })
    .onConflictDoUpdate({ target: [t.model, t.effort], set: { allowanceTokens: sql`greatest(${t.allowanceTokens}, excluded.allowance_tokens)`, updatedAt: sql`now()` } });
  applyRaisedAllowance(db, modelId, effort, tokens);
}

function checkTokens(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer (got ${value})`);
}
