import type pg from 'pg';
import type { Kind } from '../pricing/types.js';
import { hashString } from '../providers/sim/create-prng.js';

/** A completed job that can be replayed: its payload and the answer it got. */
export interface EvalSourceJob {
  jobId: string;
  payload: unknown;
  private: boolean;
  /** The model whose answer was stored, and the answer. */
  model: string;
  outputText: string;
  outputJson: unknown;
  day: string;
  source: string | undefined;
}

export interface SampleOptions {
  kind: Kind;
  /** Items wanted. */
  sample: number;
  /** Only jobs finished on or after this instant. */
  since?: Date;
  /** Private jobs are replayed only when every model of the eval is self-hosted. */
  allowPrivate: boolean;
  /** Varies which jobs a stratum gives (same seed, same sample). Default 1. */
  seed?: number;
}

export interface Sample {
  jobs: EvalSourceJob[];
  /** Completed jobs of the kind considered (before skipping). */
  considered: number;
  skipped: { private: number; pruned: number; parts: number };
  /** Jobs per day × source stratum in the sample. */
  strata: Array<{ day: string; source: string | null; available: number; taken: number }>;
}

/**
 * A sample of completed jobs of one kind, stratified by day × source (jobs without a source form
 * one stratum per day): each stratum gives its proportional share (largest remainders get the
 * leftover), and within a stratum jobs are taken in an order fixed by the seed. Jobs whose
 * document was pruned and the parts of long documents are skipped and counted; private jobs too,
 * unless `allowPrivate`.
 */
export async function sampleJobs(pool: pg.Pool, options: SampleOptions): Promise<Sample> {
  const { rows } = await pool.query<{ job_id: string; payload: unknown; private: boolean; model: string; output_text: string; output_json: unknown; day: string }>(
    `select j.job_id, j.payload, j.private, r.model, r.output_text, r.output_json, to_char(coalesce(j.finished_at, r.created_at) at time zone 'UTC', 'YYYY-MM-DD') as day
     from jobs j join results r on r.job_id = j.job_id
     where j.kind = $1 and j.status = 'completed' and ($2::timestamptz is null or coalesce(j.finished_at, r.created_at) >= $2)
     order by j.job_id`,
    [options.kind, options.since ?? null],
  );
  const skipped = { private: 0, pruned: 0, parts: 0 };
  const usable: EvalSourceJob[] = [];
  for (const row of rows) {
    const payload = row.payload as Record<string, unknown> | null;
    if (payload === null || payload === undefined) skipped.pruned++;
    else if (payload.part !== undefined) skipped.parts++;
    else if (row.private && !options.allowPrivate) skipped.private++;
    else {
      usable.push({
        jobId: row.job_id,
        payload,
        private: row.private,
        model: row.model,
        outputText: row.output_text,
        outputJson: row.output_json,
        day: row.day,
        source: typeof payload.source === 'string' ? payload.source : undefined,
      });
    }
  }
  const strata = new Map<string, EvalSourceJob[]>();
  for (const job of usable) {
    const key = `${job.day}\u0000${job.source ?? ''}`;
    strata.set(key, [...(strata.get(key) ?? []), job]);
  }
  const want = Math.min(options.sample, usable.length);
  const keys = [...strata.keys()].sort();
  const shares = keys.map((key) => {
    const exact = (want * strata.get(key)!.length) / Math.max(1, usable.length);
    return { key, take: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = want - shares.reduce((sum, s) => sum + s.take, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest || a.key.localeCompare(b.key))) {
    if (left <= 0) break;
    s.take++;
    left--;
  }
  const seed = options.seed ?? 1;
  const jobs: EvalSourceJob[] = [];
  const taken: Sample['strata'] = [];
  for (const s of shares) {
    const members = strata.get(s.key)!;
    const ordered = [...members].sort((a, b) => hashString(`${seed}:${a.jobId}`) - hashString(`${seed}:${b.jobId}`) || a.jobId.localeCompare(b.jobId));
    jobs.push(...ordered.slice(0, s.take));
    taken.push({ day: members[0]!.day, source: members[0]!.source ?? null, available: members.length, taken: s.take });
  }
  return { jobs, considered: rows.length, skipped, strata: taken };
}
