import { RATINGS, TIERS, ratingMeetsTier, type Kind, type Rating, type Tier } from '../pricing/types.js';
import { wilsonInterval } from './wilson-interval.js';

/** Agreement with the reference a model needs for each tier (the Wilson lower bound must reach it). */
export interface RatingThresholds {
  basic: number;
  standard: number;
  advanced: number;
}

export const DEFAULT_THRESHOLDS: RatingThresholds = { basic: 0.8, standard: 0.9, advanced: 0.95 };
/** Fewer items than this never change a rating. */
export const DEFAULT_MIN_ITEMS = 50;

export interface ModelEvidence {
  model: string;
  items: number;
  agreements: number;
}

export interface LearnInput {
  kind: Kind;
  reference: string;
  /** Every model of the catalog with its catalog rating for the kind and its rating in force now. */
  models: ReadonlyArray<{ id: string; catalogRating: Rating; currentRating: Rating }>;
  evidence: ReadonlyArray<ModelEvidence>;
  /** Default DEFAULT_THRESHOLDS. */
  thresholds?: RatingThresholds;
  /** Default 50. */
  minItems?: number;
}

export type RatingChange = 'promote' | 'demote' | 'keep' | 'insufficient' | 'reference';

export interface LearnedRating {
  model: string;
  kind: Kind;
  catalogRating: Rating;
  currentRating: Rating;
  /** The rating the evidence supports (what `apply` puts in force). */
  learnedRating: Rating;
  change: RatingChange;
  reference: string;
  items: number;
  agreement: number;
  lower: number;
  upper: number;
  reason: string;
}

const LEARNABLE = ['basic', 'standard', 'advanced'] as const satisfies readonly Tier[];

/**
 * Learned ratings for one kind. A model is rated at the highest tier whose threshold the 95 %
 * Wilson lower bound of its agreement reaches (with at least `minItems` items); it is promoted
 * when that is above its rating in force, and demoted to it when even the upper bound is below
 * its current tier's threshold. The reference keeps its catalog rating. Demotions that would
 * leave a tier without any model are held back (the model keeps its rating, saying why).
 */
export function learnRatings(input: LearnInput): LearnedRating[] {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const minItems = input.minItems ?? DEFAULT_MIN_ITEMS;
  const evidence = new Map(input.evidence.map((e) => [e.model, e]));
  const threshold = (rating: Rating): number | undefined => (rating === 'none' ? undefined : rating === 'premium' ? thresholds.advanced : thresholds[rating]);

  const out: LearnedRating[] = input.models.map((m) => {
    const e = evidence.get(m.id) ?? { model: m.id, items: 0, agreements: 0 };
    const { lower, upper } = wilsonInterval(e.agreements, e.items);
    const base = { model: m.id, kind: input.kind, reference: input.reference, catalogRating: m.catalogRating, currentRating: m.currentRating, items: e.items, agreement: e.items === 0 ? 0 : e.agreements / e.items, lower, upper };
    if (m.id === input.reference) return { ...base, learnedRating: m.catalogRating, change: 'reference' as const, reason: 'the reference keeps its catalog rating' };
    if (e.items < minItems) return { ...base, learnedRating: m.currentRating, change: 'insufficient' as const, reason: `${e.items} items, at least ${minItems} needed` };
    const supported: Rating = [...LEARNABLE].reverse().find((tier) => lower >= thresholds[tier]) ?? 'none';
    const rank = (r: Rating) => RATINGS.indexOf(r);
    if (rank(supported) > rank(m.currentRating)) {
      return { ...base, learnedRating: supported, change: 'promote' as const, reason: `lower bound ${pct(lower)} reaches the ${supported} threshold ${pct(threshold(supported) ?? 0)}` };
    }
    const current = threshold(m.currentRating);
    if (current !== undefined && upper < current) {
      return { ...base, learnedRating: supported, change: 'demote' as const, reason: `upper bound ${pct(upper)} is below the ${m.currentRating} threshold ${pct(current)}` };
    }
    return { ...base, learnedRating: m.currentRating, change: 'keep' as const, reason: `interval ${pct(lower)}–${pct(upper)} is consistent with ${m.currentRating}` };
  });

  // Never leave a tier without a model: hold back the demotion that kept it covered with the best evidence.
  for (const tier of TIERS) {
    const covered = () => out.some((r) => ratingMeetsTier(r.learnedRating, tier));
    if (covered()) continue;
    const candidates = out.filter((r) => r.change === 'demote' && ratingMeetsTier(r.currentRating, tier)).sort((a, b) => b.lower - a.lower);
    for (const r of candidates) {
      r.learnedRating = r.currentRating;
      r.change = 'keep';
      r.reason = `demotion held back: it is the only model left for ${input.kind} at the ${tier} tier`;
      if (covered()) break;
    }
  }
  return out;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
