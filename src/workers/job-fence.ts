import type pg from 'pg';

/** An open reservation of the job that belongs to another delivery. */
export interface FenceHolder {
  callId: string;
  /** The worker process that reserved it (`host/pid/instance`); null for rows written before worker ids. */
  workerId: string | null;
  attempt: number;
  ageMs: number;
}

/**
 * What the fence says about a job before (or just after) reserving its next call:
 * - `clear`: no other delivery holds a call; go ahead.
 * - `stored`: another delivery already stored the job's result; complete with it, no call.
 * - `held`: another delivery's call is open and younger than the stale age (`open`), or was
 *   settled a moment ago and its result may be on its way (`settling`); wait `waitMs`.
 * - `stale`: the only open calls are older than the stale age (their worker is presumed dead);
 *   close them as spent, then go ahead.
 */
export type FenceVerdict =
  | { kind: 'clear' }
  | { kind: 'stored' }
  | { kind: 'held'; holder: FenceHolder; waitMs: number; reason: 'open' | 'settling' }
  | { kind: 'stale'; holders: FenceHolder[] };

export interface JobFenceOptions {
  /** Age after which an open reservation is taken to belong to a dead worker. */
  staleMs: number;
  /** Shortest wait between two looks at a held job. Default 250 ms. */
  minWaitMs?: number;
  /** Longest wait between two looks at a held job. Default 5,000 ms. */
  maxWaitMs?: number;
  /**
   * How long after another delivery settled a call without a stored result the job still waits:
   * a delivery settles its call and then writes the result. Default 5,000 ms.
   */
  settledGraceMs?: number;
}

const LOOK = `
  select
    (select coalesce(json_agg(json_build_object(
        'callId', l.call_id, 'workerId', l.worker_id, 'attempt', l.attempt,
        'ageMs', floor(extract(epoch from (now() - l.started_at)) * 1000)) order by l.started_at, l.call_id), '[]')
       from ledger l
      where l.job_id = $1 and l.status = 'reserved'
        and ($2::uuid is null or (l.call_id <> $2::uuid
             and (l.started_at, l.call_id) < (select o.started_at, o.call_id from ledger o where o.call_id = $2::uuid)))) as holders,
    exists (select 1 from results r where r.job_id = $1) as stored,
    (select json_build_object('callId', l.call_id, 'workerId', l.worker_id, 'attempt', l.attempt,
        'ageMs', floor(extract(epoch from (now() - l.settled_at)) * 1000))
       from ledger l
      where l.job_id = $1 and l.status = 'settled' and not l.usage_estimated and $2::uuid is null and l.call_id <> all($3::uuid[])
      order by l.settled_at desc limit 1) as settled`;

/**
 * One job, at most one provider call in flight: before a delivery of a job calls, it looks in the
 * ledger for an open reservation of the same job held by another delivery — another worker that
 * lost the job's lock (cut from Redis) but whose call is still out, or an earlier attempt of its
 * own. Such a call may still be answered and paid for, so the job waits for it instead of paying
 * twice; once it settles, the job completes from the stored result or proceeds.
 *
 * A delivery settles its answered call and then writes the result: an answered call of another
 * delivery settled a moment ago without a result holds the job for a short grace, in which its result
 * (or its delivery's next call) appears.
 *
 * Looking before reserving leaves a race between two deliveries reserving at the same moment:
 * each also looks again just after its reservation, and the later of the two (by start time,
 * then call id) gives its reservation back and waits.
 */
export class JobFence {
  private readonly minWaitMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: JobFenceOptions,
  ) {
    this.minWaitMs = options.minWaitMs ?? 250;
    this.maxWaitMs = options.maxWaitMs ?? 5_000;
  }

  get staleMs(): number {
    return this.options.staleMs;
  }

  /**
   * Before reserving: every open reservation of the job is another delivery's (this delivery
   * settles or releases each of its calls before the next); `ownCallIds` are this delivery's
   * earlier calls, whose settlements are not another's.
   */
  before(jobId: string, ownCallIds: readonly string[] = []): Promise<FenceVerdict> {
    return this.look(jobId, null, ownCallIds);
  }

  /** Just after reserving `callId`: only the job's open reservations that started before it count. */
  after(jobId: string, callId: string): Promise<FenceVerdict> {
    return this.look(jobId, callId, []);
  }

  private async look(jobId: string, ownCallId: string | null, ownCallIds: readonly string[]): Promise<FenceVerdict> {
    type Row = { callId: string; workerId: string | null; attempt: number; ageMs: number };
    const { rows } = await this.pool.query<{ holders: Row[]; stored: boolean; settled: Row | null }>({
      name: 'frugal-job-fence',
      text: LOOK,
      values: [jobId, ownCallId, ownCallIds],
    });
    const row = rows[0]!;
    if (row.stored) return { kind: 'stored' };
    const holders = row.holders.map((h) => ({ callId: h.callId, workerId: h.workerId, attempt: h.attempt, ageMs: Math.max(0, Number(h.ageMs)) }));
    if (holders.length === 0) {
      const grace = this.options.settledGraceMs ?? 5_000;
      const settled = row.settled && { ...row.settled, ageMs: Math.max(0, Number(row.settled.ageMs)) };
      if (settled && settled.ageMs < grace) {
        return { kind: 'held', reason: 'settling', holder: settled, waitMs: Math.max(this.minWaitMs, grace - settled.ageMs + 50) };
      }
      return { kind: 'clear' };
    }
    const young = holders.filter((h) => h.ageMs < this.options.staleMs);
    if (young.length === 0) return { kind: 'stale', holders };
    const holder = young.reduce((a, b) => (a.ageMs <= b.ageMs ? a : b));
    return { kind: 'held', reason: 'open', holder, waitMs: this.waitFor(holder.ageMs) };
  }

  /**
   * Backs off with the holder's age (a call out for long is looked at less often), and never
   * past the moment it turns stale.
   */
  private waitFor(ageMs: number): number {
    const backoff = Math.min(Math.max(this.minWaitMs, ageMs / 2), this.maxWaitMs);
    const untilStale = this.options.staleMs - ageMs + 50;
    const wait = Math.max(this.minWaitMs, Math.min(backoff, untilStale));
    return Math.round(wait * (1 + Math.random() * 0.2));
  }
}
