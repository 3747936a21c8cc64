import type pg from 'pg';
import { KINDS, RATINGS, type Kind, type Rating } from '../pricing/types.js';
import type { LearnedRatingsInForce } from './route.js';

/** Postgres channel told whenever learned ratings are applied or reset. */
export const RATINGS_CHANGED_CHANNEL = 'frugal_ratings_changed';

/** The evidence a learned rating was derived from. */
export interface RatingEvidence {
  items: number;
  agreement: number;
  lower: number;
  upper: number;
  reference: string;
  runIds?: number[];
}

export interface LearnedRatingRow {
  model: string;
  kind: Kind;
  rating: Rating;
  catalogRating: Rating;
  evidence: RatingEvidence;
  appliedAt: Date;
}

/** The learned ratings in force (table `learned_ratings`): read by routers, written by `ratings apply` and `reset`. */
export class LearnedRatingStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<LearnedRatingRow[]> {
    const { rows } = await this.pool.query<{ model: string; kind: string; rating: string; catalog_rating: string; evidence: RatingEvidence; applied_at: Date }>(
      'select model, kind, rating, catalog_rating, evidence, applied_at from learned_ratings order by kind, model',
    );
    return rows
      .filter((r) => (KINDS as readonly string[]).includes(r.kind) && (RATINGS as readonly string[]).includes(r.rating))
      .map((r) => ({ model: r.model, kind: r.kind as Kind, rating: r.rating as Rating, catalogRating: r.catalog_rating as Rating, evidence: r.evidence, appliedAt: r.applied_at }));
  }

  async load(): Promise<LearnedRatingsInForce> {
    const map = new Map<string, Partial<Record<Kind, Rating>>>();
    for (const row of await this.list()) map.set(row.model, { ...map.get(row.model), [row.kind]: row.rating });
    return map;
  }

  /** Puts these ratings in force (replacing earlier ones for the same model and kind) and tells every router. */
  async apply(rows: ReadonlyArray<Omit<LearnedRatingRow, 'appliedAt'>>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      for (const row of rows) {
        await client.query(
          `insert into learned_ratings (model, kind, rating, catalog_rating, evidence) values ($1, $2, $3, $4, $5)
           on conflict (model, kind) do update set rating = excluded.rating, catalog_rating = excluded.catalog_rating, evidence = excluded.evidence, applied_at = now()`,
          [row.model, row.kind, row.rating, row.catalogRating, JSON.stringify(row.evidence)],
        );
      }
      await client.query(`select pg_notify('${RATINGS_CHANGED_CHANNEL}', 'apply')`);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Returns to the catalog's ratings (all kinds, or one). Returns how many learned ratings were dropped. */
  async reset(kind?: Kind): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const { rowCount } = kind === undefined ? await client.query('delete from learned_ratings') : await client.query('delete from learned_ratings where kind = $1', [kind]);
      await client.query(`select pg_notify('${RATINGS_CHANGED_CHANNEL}', 'reset')`);
      await client.query('commit');
      return rowCount ?? 0;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
