import type { JsonSchema } from '../providers/types.js';
import { sameValue } from './normalize-value.js';

/** One candidate answer scored against the reference's, with the reason a person can read. */
export interface ItemScore {
  agree: boolean;
  reason: string;
  /** Extract: share of required fields equal to the reference's. */
  fieldAgreement?: number;
  /** Summarize and report: the judge's verdicts disagreed with each other across the two orders. */
  flip?: boolean;
}

/** Classify: the same label. */
export function scoreClassify(candidate: unknown, reference: unknown): ItemScore {
  const a = labelOf(candidate);
  const b = labelOf(reference);
  return a === b ? { agree: true, reason: `same label "${a}"` } : { agree: false, reason: `label "${a}", reference "${b}"` };
}

function labelOf(answer: unknown): string | undefined {
  const label = (answer as { label?: unknown } | undefined)?.label;
  return typeof label === 'string' ? label : undefined;
}

/**
 * Extract: every required field equal after normalizing (optional fields ignored); the share of
 * equal required fields is the secondary figure. A schema without `required` compares every
 * property the reference gave.
 */
export function scoreExtract(candidate: unknown, reference: unknown, schema: JsonSchema): ItemScore {
  const ref = (typeof reference === 'object' && reference !== null ? reference : {}) as Record<string, unknown>;
  const got = (typeof candidate === 'object' && candidate !== null ? candidate : {}) as Record<string, unknown>;
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : Object.keys(ref);
  if (required.length === 0) return { agree: true, reason: 'no required fields to compare', fieldAgreement: 1 };
  const differing = required.filter((field) => !sameValue(got[field], ref[field]));
  const fieldAgreement = (required.length - differing.length) / required.length;
  if (differing.length === 0) return { agree: true, reason: `all ${required.length} required fields equal`, fieldAgreement };
  const first = differing[0]!;
  return {
    agree: false,
    fieldAgreement,
    reason: `${differing.length} of ${required.length} required fields differ: ${first} ${preview(got[first])} vs reference ${preview(ref[first])}`,
  };
}

/** The judge's verdict: which answer is better, `A`, `B`, or `tie`. */
export type Verdict = 'A' | 'B' | 'tie';

/**
 * Summarize and report: the judge saw (A = reference, B = candidate) and then (A = candidate,
 * B = reference). The candidate agrees unless it was judged worse in both orders; verdicts that
 * contradict each other across the orders count as agreement and are reported as a flip.
 */
export function scorePairwise(referenceFirst: Verdict, candidateFirst: Verdict): ItemScore {
  const consistent = (referenceFirst === 'A' && candidateFirst === 'B') || (referenceFirst === 'B' && candidateFirst === 'A') || (referenceFirst === 'tie' && candidateFirst === 'tie');
  if (!consistent) return { agree: true, flip: true, reason: `judge flipped with the order (${referenceFirst}, then ${candidateFirst}): counted as agreement` };
  if (referenceFirst === 'A') return { agree: false, flip: false, reason: 'judged worse than the reference in both orders' };
  if (referenceFirst === 'B') return { agree: true, flip: false, reason: 'judged better than the reference in both orders' };
  return { agree: true, flip: false, reason: 'judged as good as the reference in both orders' };
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
