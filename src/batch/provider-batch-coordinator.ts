import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import type { BudgetLedger } from '../budget/budget-ledger.js';
import type { Logger } from '../log.js';
import type { Catalog } from '../pricing/catalog.js';
import { costMicros } from '../pricing/cost-micros.js';
import { convertOpenAIUsage } from '../providers/openai/convert-openai-usage.js';
import type { IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import type { BatchVendor, ResultLine, VendorBatch } from './batch-vendor.js';

export interface ProviderBatchOptions {
  /** How long calls collect for one (provider, model, window) before the collection is submitted. Default 60,000 ms. */
  collectMs?: number;
  /** Most lines in one provider batch (OpenAI's limit). Default 50,000. */
  maxLines?: number;
  /** Time between two polls of one vendor batch. Default 30,000 ms. */
  pollMs?: number;
  /** How long a poller owns a batch it works on; a dead poller's lease is taken over after it. Default 120,000 ms. */
  leaseMs?: number;
  /** Age of a `submitting` row after which the reconciler looks for it at the vendor. Default 120,000 ms. */
  reconcileAfterMs?: number;
  /** Time after a vendor's window ends before an unmatched submission's reservations are released. Default 1 hour. */
  graceMs?: number;
  /** Identity of this process in leases. Default a random id. */
  owner?: string;
}

/** What happened to the calls of one pass (for logs and tests). */
export interface CoordinatorPass {
  submitted: number;
  reconciled: number;
  settled: number;
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
const RECONCILE_LOCK = 'frugal:provider-batch-reconcile';

/**
 * Runs provider batches from collection to settled lines. Every step is written ahead and can
 * be redone by any process: a batch row (`submitting`, its call ids) and the calls'
 * reservations exist before the vendor is called; each downloaded line is stored keyed by call
 * id before it is settled; settlement is idempotent by call id; jobs are promoted from stored
 * outcomes. Polling takes a lease on the batch row, so any worker may poll and a dead poller's
 * lease is taken over.
 */
export class ProviderBatchCoordinator {
  private readonly options: Required<ProviderBatchOptions>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ledger: BudgetLedger,
    private readonly catalog: Catalog,
    private readonly vendors: ReadonlyMap<string, BatchVendor>,
    private readonly queue: Queue<IntakeJobData, IntakeJobResult>,
    private readonly log: Logger,
    private readonly onSettled: () => void,
    options: ProviderBatchOptions = {},
  ) {
    this.options = {
      collectMs: options.collectMs ?? 60_000,
      maxLines: options.maxLines ?? 50_000,
      pollMs: options.pollMs ?? 30_000,
      leaseMs: options.leaseMs ?? 120_000,
      reconcileAfterMs: options.reconcileAfterMs ?? 120_000,
      graceMs: options.graceMs ?? 3_600_000,
      owner: options.owner ?? `worker-${process.pid}-${randomUUID().slice(0, 8)}`,
    };
  }

  /** One pass of everything: submit due collections (all with `flush`), reconcile, poll, settle. */
  async pass(options: { flush?: boolean } = {}): Promise<CoordinatorPass> {
    const submitted = await this.submitDue(options.flush === true);
    const reconciled = await this.reconcile();
    const settled = await this.poll();
    return { submitted, reconciled, settled };
  }

  /** Submits every collection whose oldest call has waited `collectMs` (every one with `flush`). */
  async submitDue(flush: boolean): Promise<number> {
    const { rows: groups } = await this.pool.query<{ provider: string; model: string; completion_window: string; window_ms: string }>(
      `select c.provider, c.model, c.completion_window, min(c.window_ms) as window_ms
       from provider_batch_calls c join ledger l on l.call_id = c.call_id and l.status = 'reserved'
       where c.state = 'collecting'
       group by c.provider, c.model, c.completion_window
       having $1::bool or min(c.created_at) < now() - $2 * interval '1 millisecond'`,
      [flush, this.options.collectMs],
    );
    let submitted = 0;
    for (const group of groups) {
      const vendor = this.vendors.get(group.provider);
      if (!vendor) continue;
      for (;;) {
        const batch = await this.claimCollection(group.provider, group.model, group.completion_window, Number(group.window_ms));
        if (!batch) break;
        submitted += batch.callIds.length;
        await this.submit(vendor, batch);
      }
    }
    await this.dropOrphans();
    return submitted;
  }

  /**
   * Writes the batch row (`submitting`) with up to `maxLines` collecting calls in one
   * transaction: the write-ahead record of a submission about to reach the vendor.
   */
  private async claimCollection(provider: string, model: string, window: string, windowMs: number): Promise<{ id: string; callIds: string[]; lines: Array<{ customId: string; body: unknown }>; window: string } | undefined> {
    const entry = this.catalog.get(model);
    if (!entry) return undefined;
    const id = randomUUID();
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ call_id: string; body: unknown }>(
        `select c.call_id::text as call_id, c.body from provider_batch_calls c join ledger l on l.call_id = c.call_id and l.status = 'reserved'
         where c.state = 'collecting' and c.provider = $1 and c.model = $2 and c.completion_window = $3
         order by c.created_at limit $4 for update of c skip locked`,
        [provider, model, window, this.options.maxLines],
      );
      if (rows.length === 0) return undefined;
      const callIds = rows.map((r) => r.call_id);
      await client.query(
        `insert into provider_batches (id, provider, model, provider_model_id, completion_window, request_count, expires_at, lease_until, lease_owner)
         values ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond', now() + $8 * interval '1 millisecond', $9)`,
        [id, provider, model, entry.providerModelId, window, callIds.length, windowMs, this.options.leaseMs, this.options.owner],
      );
      await client.query(`update provider_batch_calls set provider_batch_id = $1, state = 'submitted' where call_id = any($2::uuid[])`, [id, callIds]);
      await client.query(`update ledger set provider_batch_id = $1, mode = 'batch' where call_id = any($2::uuid[])`, [id, callIds]);
      return { id, callIds, lines: rows.map((r) => ({ customId: r.call_id, body: r.body })), window };
    });
  }

  /** Uploads and creates the vendor batch of a `submitting` row, recording each step. */
  private async submit(vendor: BatchVendor, batch: { id: string; lines: Array<{ customId: string; body: unknown }>; window: string }): Promise<void> {
    let created: VendorBatch;
    try {
      const fileId = await vendor.upload(batch.id, batch.lines);
      await this.pool.query(`update provider_batches set input_file_id = $2 where id = $1`, [batch.id, fileId]);
      created = await vendor.create(batch.id, fileId, batch.window);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      // A 4xx means the vendor refused it: nothing was created. Otherwise it may have been: the
      // reconciler looks for it by its metadata.
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429) {
        this.log.warn({ batch: batch.id, status }, 'vendor refused a provider batch; its jobs go synchronous');
        await this.abandon(batch.id, `the vendor refused the submission (${status})`);
      } else {
        this.log.warn({ batch: batch.id, err: String(error) }, 'provider batch submission unconfirmed; the reconciler will look for it');
      }
      return;
    }
    await this.recordSubmitted(batch.id, created);
  }

  private async recordSubmitted(id: string, vendorBatch: VendorBatch): Promise<void> {
    await this.pool.query(
      `update provider_batches set state = 'submitted', vendor_batch_id = $2, vendor_status = $3, submitted_at = coalesce(submitted_at, now()), lease_until = now()
       where id = $1 and state = 'submitting'`,
      [id, vendorBatch.id, vendorBatch.status],
    );
  }

  /** Calls whose reservation never happened (their worker died in between): nothing to send. */
  private async dropOrphans(): Promise<void> {
    await this.pool.query(
      `update provider_batch_calls c set state = 'dropped' where c.state = 'collecting' and c.created_at < now() - interval '10 minutes'
       and not exists (select 1 from ledger l where l.call_id = c.call_id and l.status = 'reserved')`,
    );
  }

  /**
   * Finds `submitting` rows at the vendor by the id in their metadata (the worker died between
   * the vendor's answer and recording it). Unmatched ones keep their reservations until the
   * vendor's window plus a grace has passed; then they are released and their jobs go
   * synchronous. One process at a time, under an advisory lock.
   */
  async reconcile(): Promise<number> {
    const client = await this.pool.connect();
    let matched = 0;
    try {
      const { rows: lock } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [RECONCILE_LOCK]);
      if (!lock[0]?.ok) return 0;
      try {
        const { rows } = await client.query<{ id: string; provider: string; overdue: boolean }>(
          `select id::text as id, provider, now() > expires_at + $2 * interval '1 millisecond' as overdue from provider_batches
           where state = 'submitting' and created_at < now() - $1 * interval '1 millisecond'`,
          [this.options.reconcileAfterMs, this.options.graceMs],
        );
        const listed = new Map<string, VendorBatch[]>();
        for (const row of rows) {
          const vendor = this.vendors.get(row.provider);
          if (!vendor) continue;
          if (!listed.has(row.provider)) listed.set(row.provider, await vendor.list());
          const found = listed.get(row.provider)!.find((b) => b.frugalBatchId === row.id);
          if (found) {
            await this.recordSubmitted(row.id, found);
            matched++;
          } else if (row.overdue) {
            await this.abandon(row.id, 'never found at the vendor by its window plus grace');
          }
        }
      } finally {
        await client.query('select pg_advisory_unlock(hashtext($1))', [RECONCILE_LOCK]);
      }
    } finally {
      client.release();
    }
    if (matched > 0) this.log.info({ matched }, 'reconciled provider batches found at the vendor');
    return matched;
  }

  /** A submission that never reached the vendor: its calls fall back to synchronous calls. */
  private async abandon(id: string, reason: string): Promise<void> {
    await this.pool.query(`update provider_batches set state = 'downloaded', vendor_status = 'failed', error = $2, finished_at = now() where id = $1 and state = 'submitting'`, [id, reason]);
    await this.storeMissing(id, 'batch_not_submitted');
  }

  /** Polls every open batch whose lease is free, under a lease; settles what was downloaded. */
  async poll(): Promise<number> {
    let settled = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ id: string; provider: string; model: string; state: string; vendor_batch_id: string | null; cancel_requested: boolean }>(
        `update provider_batches set lease_until = now() + $1 * interval '1 millisecond', lease_owner = $2
         where id = (select id from provider_batches where state in ('submitted', 'downloaded') and lease_until <= now() order by lease_until limit 1 for update skip locked)
         returning id::text as id, provider, model, state, vendor_batch_id, cancel_requested`,
        [this.options.leaseMs, this.options.owner],
      );
      const batch = rows[0];
      if (!batch) return settled;
      try {
        if (batch.state === 'submitted') {
          const finished = await this.check(batch.id, batch.provider, batch.vendor_batch_id!, batch.cancel_requested);
          if (!finished) {
            await this.pool.query(`update provider_batches set lease_until = now() + $2 * interval '1 millisecond' where id = $1 and lease_owner = $3`, [batch.id, this.options.pollMs, this.options.owner]);
            continue;
          }
        }
        settled += await this.settleStored(batch.id, batch.model);
      } catch (error) {
        this.log.warn({ batch: batch.id, err: String(error) }, 'polling a provider batch failed; retrying after its lease');
        await this.pool.query(`update provider_batches set lease_until = now() + $2 * interval '1 millisecond' where id = $1`, [batch.id, this.options.pollMs]);
      }
    }
  }

  /** Looks at the vendor batch; when it has ended, stores every line. True once downloaded. */
  private async check(id: string, provider: string, vendorBatchId: string, cancelRequested: boolean): Promise<boolean> {
    const vendor = this.vendors.get(provider);
    if (!vendor) return false;
    let remote = await vendor.retrieve(vendorBatchId);
    if (cancelRequested && !TERMINAL.has(remote.status) && remote.status !== 'cancelling') remote = await vendor.cancel(vendorBatchId);
    await this.pool.query(`update provider_batches set vendor_status = $2, completed_count = $3, failed_count = $4, output_file_id = $5, error_file_id = $6 where id = $1`, [
      id,
      remote.status,
      remote.counts?.completed ?? null,
      remote.counts?.failed ?? null,
      remote.outputFileId,
      remote.errorFileId,
    ]);
    if (!TERMINAL.has(remote.status)) return false;
    for (const fileId of [remote.outputFileId, remote.errorFileId]) {
      if (fileId) await this.storeLines(await vendor.download(fileId));
    }
    // Lines in no file (a batch failed at validation) never ran.
    await this.storeMissing(id, remote.status === 'failed' ? `batch_failed: ${remote.errors ?? 'validation failed'}` : `batch_${remote.status}`);
    await this.pool.query(`update provider_batches set state = 'downloaded', error = $2, finished_at = now() where id = $1 and state = 'submitted'`, [id, remote.errors ?? null]);
    return true;
  }

  /** Stores downloaded lines keyed by call id, before anything is settled from them. */
  private async storeLines(lines: ResultLine[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 1_000) {
      const slice = lines.slice(i, i + 1_000);
      await this.pool.query(
        `update provider_batch_calls c set line = u.line, state = 'stored', stored_at = now()
         from unnest($1::uuid[], $2::jsonb[]) as u(call_id, line)
         where c.call_id = u.call_id and c.state = 'submitted'`,
        [slice.map((l) => l.customId), slice.map((l) => JSON.stringify(l))],
      );
    }
  }

  private async storeMissing(id: string, code: string): Promise<void> {
    await this.pool.query(`update provider_batch_calls set line = $2::jsonb, state = 'stored', stored_at = now() where provider_batch_id = $1 and state = 'submitted'`, [
      id,
      JSON.stringify({ statusCode: null, body: null, errorCode: code }),
    ]);
  }

  /**
   * Settles each stored line once: an answer at the batch price from its usage; a line that was
   * not answered (4xx, 5xx, expired, cancelled, never submitted) is not billed and is released.
   * Then promotes the line's job. Redone from the stored lines after a crash.
   */
  private async settleStored(id: string, modelId: string): Promise<number> {
    const model = this.catalog.get(modelId);
    const { rows } = await this.pool.query<{ call_id: string; job_id: string; line: { statusCode: number | null; body: unknown; errorCode: string | null }; reserved_micros: string }>(
      `select c.call_id::text as call_id, c.job_id, c.line, l.reserved_micros from provider_batch_calls c join ledger l on l.call_id = c.call_id
       where c.provider_batch_id = $1 and c.state = 'stored'`,
      [id],
    );
    for (const row of rows) {
      const status = row.line.statusCode;
      let outcome: 'succeeded' | 'bad_request' | 'fallback';
      if (status === 200) {
        const usage = convertOpenAIUsage((row.line.body as { usage?: unknown } | null)?.usage as never);
        if (usage && model) await this.ledger.settle(row.call_id, { costMicros: costMicros(usage, model, { batch: true }), usage });
        else {
          // No usable usage: count the whole reservation, flagged as estimated.
          await this.ledger.settle(row.call_id, { costMicros: Number(row.reserved_micros), usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, usageEstimated: true });
        }
        outcome = 'succeeded';
      } else {
        outcome = typeof status === 'number' && status >= 400 && status < 500 ? 'bad_request' : 'fallback';
        await this.ledger.release(row.call_id, `batch line not answered: ${status ?? row.line.errorCode ?? 'unknown'}`);
      }
      await this.pool.query(`update provider_batch_calls set state = 'settled', outcome = $2, settled_at = now() where call_id = $1 and state = 'stored'`, [row.call_id, outcome]);
      await this.promote(row.job_id);
    }
    const { rows: left } = await this.pool.query<{ n: number }>(`select count(*)::int as n from provider_batch_calls where provider_batch_id = $1 and state <> 'settled'`, [id]);
    if ((left[0]?.n ?? 0) === 0) await this.pool.query(`update provider_batches set state = 'collected' where id = $1 and state = 'downloaded'`, [id]);
    if (rows.length > 0) this.onSettled();
    return rows.length;
  }

  /** Wakes a job waiting in delayed for its line (a cancelled job is gone: nothing to do). */
  private async promote(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId);
    if (!job || !(await job.isDelayed())) return;
    await job.promote().catch(() => {});
  }

  /** Asks the vendor to cancel a batch at the next poll; its finished lines are still collected and settled. */
  async requestCancel(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`update provider_batches set cancel_requested = true, lease_until = now() where id::text = $1 and state = 'submitted'`, [id]);
    return (rowCount ?? 0) > 0;
  }
}

/** Runs `body` on one client in a transaction (rolled back when it throws). */
async function inTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    try {
      const result = await body(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}
