import type { JobSpec } from '../jobs/job-spec.js';
import type { CatalogModel } from '../pricing/catalog-model.js';

/** Vendors with a batch API frugal uses, and the shortest window each offers. */
const SHORTEST_WINDOW_MS: Readonly<Record<string, number>> = { openai: 86_400_000, groq: 86_400_000 };
/** A relative `24h` deadline qualifies: the minutes between parsing and enqueueing come from the window's slack. */
export const DEADLINE_SLACK_MS = 5 * 60_000;

/**
 * Whether a job enqueued at `enqueuedAtMs` may go to `model`'s batch API: it has a deadline that
 * leaves the vendor's shortest window, the model has a batch discount, and it is not a part of a
 * split document. (The worker also needs the vendor configured.)
 */
export function isBatchEligible(spec: JobSpec, model: CatalogModel, enqueuedAtMs: number): boolean {
  if (spec.deadline === undefined || model.batchDiscountPercent <= 0) return false;
  const window = SHORTEST_WINDOW_MS[model.provider];
  if (window === undefined) return false;
  if (spec.kind === 'summarize' && (spec.payload as { part?: unknown }).part !== undefined) return false;
  return Date.parse(spec.deadline) - enqueuedAtMs + DEADLINE_SLACK_MS >= window;
}
