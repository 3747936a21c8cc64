import type pg from 'pg';
import { InputError } from '../errors.js';
import type { Catalog } from '../pricing/catalog.js';
import { costMicros } from '../pricing/cost-micros.js';

/** One provider batch as `frugal batches` shows it. */
export interface ProviderBatchRow {
  id: string;
  provider: string;
  model: string;
  state: string;
  vendorStatus: string | null;
  vendorBatchId: string | null;
  requests: number;
  /** Lines answered and settled. */
  done: number;
  /** Lines that ended without an answer (their jobs failed or went synchronous). */
  failed: number;
  pending: number;
  /** As the vendor last reported them; null when it reported none. */
  vendorCounts: { completed: number; failed: number } | null;
  reservedMicros: number;
  spentMicros: number;
  /** What the settled lines would have cost at synchronous prices, minus what they cost. */
  savedMicros: number;
  createdAt: string;
  ageSeconds: number;
  earliestDeadline: string | null;
  cancelRequested: boolean;
}

/** Open batches and those created in the last `recentHours` (default 48), newest first; plus calls still collecting. */
export async function listProviderBatches(pool: pg.Pool, catalog: Catalog, options: { recentHours?: number } = {}): Promise<{ batches: ProviderBatchRow[]; collecting: number }> {
  const { rows } = await pool.query<{
    id: string; provider: string; model: string; state: string; vendor_status: string | null; vendor_batch_id: string | null; request_count: number;
    completed_count: number | null; failed_count: number | null; created_at: Date; age: number; cancel_requested: boolean;
    done: number; failed: number; reserved: string | null; spent: string | null; inp: string | null; cached: string | null; outp: string | null; deadline: Date | null;
  }>(
    `select b.id::text as id, b.provider, b.model, b.state, b.vendor_status, b.vendor_batch_id, b.request_count, b.completed_count, b.failed_count,
       b.created_at, extract(epoch from now() - b.created_at)::int as age, b.cancel_requested,
       count(*) filter (where c.outcome = 'succeeded')::int as done,
       count(*) filter (where c.state = 'settled' and c.outcome <> 'succeeded')::int as failed,
       sum(l.reserved_micros) filter (where l.status = 'reserved') as reserved,
       sum(l.cost_micros) filter (where l.status in ('settled', 'closed_as_spent')) as spent,
       sum(l.act_input_tokens) filter (where l.status = 'settled') as inp,
       sum(l.act_cached_input_tokens) filter (where l.status = 'settled') as cached,
       sum(l.act_output_tokens) filter (where l.status = 'settled') as outp,
       min(j.deadline) as deadline
     from provider_batches b
     left join provider_batch_calls c on c.provider_batch_id = b.id
     left join ledger l on l.call_id = c.call_id
     left join jobs j on j.job_id = c.job_id
     where b.state in ('submitting', 'submitted', 'downloaded') or b.created_at > now() - $1 * interval '1 hour'
     group by b.id order by b.created_at desc`,
    [options.recentHours ?? 48],
  );
  const { rows: open } = await pool.query<{ n: number }>(`select count(*)::int as n from provider_batch_calls where state = 'collecting'`);
  const batches = rows.map((r): ProviderBatchRow => {
    const spent = Number(r.spent ?? 0);
    const model = catalog.get(r.model);
    const usage = { inputTokens: Number(r.inp ?? 0), cachedInputTokens: Number(r.cached ?? 0), outputTokens: Number(r.outp ?? 0) };
    return {
      id: r.id,
      provider: r.provider,
      model: r.model,
      state: r.state,
      vendorStatus: r.vendor_status,
      vendorBatchId: r.vendor_batch_id,
      requests: r.request_count,
      done: r.done,
      failed: r.failed,
      pending: r.request_count - r.done - r.failed,
      vendorCounts: r.completed_count === null ? null : { completed: r.completed_count, failed: r.failed_count ?? 0 },
      reservedMicros: Number(r.reserved ?? 0),
      spentMicros: spent,
      savedMicros: model ? Math.max(0, costMicros(usage, model) - spent) : 0,
      createdAt: r.created_at.toISOString(),
      ageSeconds: r.age,
      earliestDeadline: r.deadline?.toISOString() ?? null,
      cancelRequested: r.cancel_requested,
    };
  });
  return { batches, collecting: open[0]?.n ?? 0 };
}

/**
 * Asks for a provider batch to be cancelled at the vendor (by the next worker that polls it):
 * its unfinished lines fall back to synchronous calls; its finished lines are still collected and
 * settled. Throws an InputError for an unknown or finished batch.
 */
export async function requestProviderBatchCancel(pool: pg.Pool, id: string): Promise<void> {
  const { rows } = await pool.query<{ state: string }>(`select state from provider_batches where id::text = $1 or vendor_batch_id = $1`, [id]);
  if (rows.length === 0) throw new InputError(`no provider batch "${id}"`, 'see the ids with: frugal batches');
  if (rows[0]!.state !== 'submitted') throw new InputError(`provider batch "${id}" is ${rows[0]!.state}: only a submitted batch can be cancelled`, 'nothing to do for a batch that has ended');
  await pool.query(`update provider_batches set cancel_requested = true, lease_until = now() where (id::text = $1 or vendor_batch_id = $1) and state = 'submitted'`, [id]);
}
