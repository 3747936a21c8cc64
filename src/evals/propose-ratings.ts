import type pg from 'pg';
import type { Catalog } from '../pricing/catalog.js';
import { reasoningKey } from './reasoning-key.js';
import { KINDS, type Kind } from '../pricing/types.js';
import type { LearnedRatingStore } from '../router/learned-rating-store.js';
import { ratingInForce, type LearnedRatingsInForce } from '../router/route.js';
import { learnRatings, type LearnedRating, type RatingThresholds } from './learn-ratings.js';

export interface EvidenceWindow {
  /** At most this many latest items per model. Default 400. */
  items?: number;
  /** Only items of the last this many days. Default 30. */
  days?: number;
}

export interface ProposeOptions {
  window?: EvidenceWindow;
  thresholds?: RatingThresholds;
  minItems?: number;
  /** Limit to one kind. Default: every kind that has eval items. */
  kind?: Kind;
}

/**
 * Learned ratings per kind from the eval items in the window (the latest 400 items of the last 30
 * days per model by default), each against the reference of the kind's latest eval.
 */
export async function proposeRatings(pool: pg.Pool, catalog: Catalog, inForce: LearnedRatingsInForce, options: ProposeOptions = {}): Promise<LearnedRating[]> {
  const { rows: all } = await pool.query<{ kind: string; model: string; reasoning: string; items: number; agreements: number; reference: string }>(
    `with ranked as (
       select kind, model, reasoning, agree, reference, created_at, row_number() over (partition by kind, model, reasoning order by created_at desc, id desc) as n
       from eval_items
       where created_at >= now() - $1::int * interval '1 day' and ($3::text is null or kind = $3)
     )
     select kind, model, reasoning, count(*)::int as items, count(*) filter (where agree)::int as agreements,
       (array_agg(reference order by created_at desc))[1] as reference
     from ranked where n <= $2 group by kind, model, reasoning`,
    [options.window?.days ?? 30, options.window?.items ?? 400, options.kind ?? null],
  );
  // Evidence per (model, kind, reasoning setting): only items gathered under the setting in force count.
  const rows = all.filter((r) => {
    const model = catalog.get(r.model);
    return model !== undefined && r.reasoning === reasoningKey(model, r.kind as Kind);
  });
  const out: LearnedRating[] = [];
  for (const kind of KINDS) {
    const evidence = rows.filter((r) => r.kind === kind);
    if (evidence.length === 0) continue;
    const reference = evidence[0]!.reference;
    out.push(
      ...learnRatings({
        kind,
        reference,
        models: catalog.list().map((m) => ({ id: m.id, catalogRating: m.ratings[kind], currentRating: ratingInForce(m, kind, inForce).rating })),
        evidence: evidence.map((e) => ({ model: e.model, items: e.items, agreements: e.agreements })),
        ...(options.thresholds ? { thresholds: options.thresholds } : {}),
        ...(options.minItems === undefined ? {} : { minItems: options.minItems }),
      }),
    );
  }
  return out;
}

/** Puts the promotions and demotions in force; returns them. */
export async function applyRatings(store: LearnedRatingStore, proposals: readonly LearnedRating[]): Promise<LearnedRating[]> {
  const changes = proposals.filter((p) => p.change === 'promote' || p.change === 'demote');
  if (changes.length === 0) return [];
  await store.apply(
    changes.map((p) => ({
      model: p.model,
      kind: p.kind,
      rating: p.learnedRating,
      catalogRating: p.catalogRating,
      evidence: { items: p.items, agreement: p.agreement, lower: p.lower, upper: p.upper, reference: p.reference },
    })),
  );
  return changes;
}
