import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { InputError } from '../errors.js';
import { log as defaultLog, type Logger } from '../log.js';
import { formatDollars } from '../pricing/money.js';
import type { Usage } from '../pricing/types.js';
import { applyBudgetBatch, type BatchItem, type BatchResult, type ClosedCall, type ItemOutcome, type ItemValue, type NormalizedReserve } from './apply-budget-batch.js';
import { GroupCommitter, type GroupCommitOptions } from '../db/group-committer.js';
import { CALL_PURPOSES, type CallPurpose } from './types.js';
import type { CloseStaleResult, RecordedAlert, ReleaseResult, ReserveRequest, ReserveResult, SettleInput, SettleResult } from './types.js';
import { syncResultCosts } from './sync-result-costs.js';
import { UnpricedCallError } from './unpriced-call-error.js';
import { recordExhaustedAlert } from './record-exhausted-alert.js';

export interface BudgetLedgerOptions {
  /**
   * `grouped` (default): reservations and settlements arriving within `group.maxWaitMs` share one
   * transaction (group commit), each still all-or-nothing across its own budgets. `perCall`: one
   * transaction per request.
   */
  mode?: 'grouped' | 'perCall';
  /** Group commit tuning (grouped mode). Defaults: maxWaitMs 0 (next event-loop turn), maxBatch 200, maxInFlight 2. */
  group?: GroupCommitOptions;
  /** Clock for periods and ledger times. Default: the database's clock, the same for every machine. */
  now?: () => Date;
  /** Called with the threshold crossings a batch recorded, after it committed (e.g. AlertDeliverer.kick). */
  onAlerts?: (alerts: RecordedAlert[]) => void;
  /** Default: the process logger. Each recorded alert is logged at warn level. */
  logger?: Logger;
}

/**
 * The budget API the workers call around every provider call: `reserve` before it, then exactly
 * one of `settle` (it happened), `release` (it certainly did not) — or, when the worker died,
 * `closeStale` from any process. Postgres is the single source of truth: every answer is
 * decided on locked rows in a transaction, nothing is counted outside the database.
 */
export class BudgetLedger {
  private readonly pool: pg.Pool;
  private readonly committer: GroupCommitter<BatchItem, ItemOutcome> | undefined;
  private readonly now: (() => Date) | undefined;
  private readonly onAlerts: ((alerts: RecordedAlert[]) => void) | undefined;
  private readonly logger: Logger;

  constructor(pool: pg.Pool, options: BudgetLedgerOptions = {}) {
    this.pool = pool;
    this.now = options.now;
    this.onAlerts = options.onAlerts;
    this.logger = options.logger ?? defaultLog;
    if ((options.mode ?? 'grouped') === 'grouped') {
      this.committer = new GroupCommitter<BatchItem, ItemOutcome>((items) => this.applyBatch(items), options.group);
    }
  }

  /**
   * Reserves `maxCostMicros` on every budget that applies to the call (its named budgets, every
   * `global` budget and every `kind:<kind>` budget), all or nothing, and writes the call's ledger
   * row in the same transaction. Soft budgets never refuse but are charged.
   *
   * Throws UnpricedCallError (no usable maximum cost), UnknownBudgetError (a named budget does
   * not exist), CallIdReusedError (the id belongs to a finished call), InputError (bad fields).
   * Reserving again with the id of an open reservation answers it again (`duplicate: true`).
   */
  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const normalized = normalizeReserve(request);
    return (await this.submit({ op: 'reserve', request: normalized })) as ReserveResult;
  }

  /**
   * Settles a call at its actual cost: on exactly the periods it was reserved on, the cost moves
   * to spent and the rest of the reservation is released. Idempotent by call id: a second
   * settlement changes nothing and answers `duplicate: true`. A cost above the reservation is
   * recorded as is, flagged and counted as an overrun (`overrun: true`). A settlement after a
   * stale close replaces the conservative amount with the actual cost.
   */
  async settle(callId: string, input: SettleInput): Promise<SettleResult> {
    const id = normalizeCallId(callId);
    const costMicros = checkMicros(input.costMicros, 'costMicros');
    const usage = checkUsage(input.usage);
    const result = (await this.submit({ op: 'settle', callId: id, costMicros, usage, usageEstimated: input.usageEstimated ?? false })) as SettleResult;
    if (result.corrected) await this.syncResultOf(id);
    return result;
  }

  /** Gives a reservation back: only for calls that certainly did not reach the provider. */
  async release(callId: string, reason: string): Promise<ReleaseResult> {
    const id = normalizeCallId(callId);
    const result = (await this.submit({ op: 'release', callId: id, reason: reason.slice(0, 500) })) as ReleaseResult;
    if (result.corrected) await this.syncResultOf(id);
    return result;
  }

  /**
   * A late settlement or release changed what a call counts after its job may have completed:
   * the job's result follows its ledger rows (see syncResultCosts).
   */
  private async syncResultOf(callId: string): Promise<void> {
    const { rows } = await this.pool.query<{ job_id: string }>('select job_id from ledger where call_id = $1', [callId]);
    await syncResultCosts(this.pool, rows.map((r) => r.job_id));
  }

  /**
   * Closes reservations older than `olderThanMs` that were never settled (their worker died): each
   * is counted as spent at its reserved amount, status `closed_as_spent`, flagged `closed_stale`,
   * because the call may have happened. Never dropped. Safe to run from several processes.
   * `olderThanMs` must exceed the longest a call can take (provider timeout and retries). The
   * results of the jobs concerned are brought back to their ledger sums. Batch calls are never
   * closed here: their batch's reconciler judges them (vendor expiry plus grace).
   */
  async closeStale(olderThanMs: number, options: { limit?: number } = {}): Promise<CloseStaleResult> {
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) throw new InputError(`olderThanMs ${olderThanMs} is not a non-negative number`, 'give the age in milliseconds');
    const now = this.now?.() ?? null;
    const { rows } = await this.pool.query<{ call_id: string }>(
      `select call_id::text as call_id from ledger
       where status = 'reserved' and started_at < coalesce($1::timestamptz, now()) - $2 * interval '1 millisecond'
         and mode = 'sync' and not exists (select 1 from provider_batch_calls c where c.call_id = ledger.call_id)
       order by started_at limit $3`,
      [now, Math.floor(olderThanMs), options.limit ?? 1000],
    );
    const result: CloseStaleResult = { closed: 0, closedMicros: 0, callIds: [] };
    if (rows.length === 0) return result;
    const batch = await this.applyBatch(rows.map((row) => ({ op: 'closeStale', callId: row.call_id, olderThanMs })));
    for (const outcome of batch) {
      if (!outcome.ok) throw outcome.error;
      const closed = outcome.value as ClosedCall | null;
      if (!closed) continue; // settled or released meanwhile
      result.closed += 1;
      result.closedMicros += closed.closedMicros;
      result.callIds.push(closed.callId);
    }
    if (result.closed > 0) {
      this.logger.warn({ closed: result.closed, closedMicros: result.closedMicros }, 'closed stale reservations as spent');
      // A job may have completed on another worker meanwhile: its result now counts these calls too.
      const { rows: jobs } = await this.pool.query<{ job_id: string }>('select distinct job_id from ledger where call_id = any($1::uuid[])', [result.callIds]);
      await syncResultCosts(this.pool, jobs.map((j) => j.job_id));
    }
    return result;
  }

  /** Waits until every request submitted so far has been answered (grouped mode). */
  async drain(): Promise<void> {
    await this.committer?.drain();
  }

  private async submit(item: BatchItem): Promise<ItemValue> {
    const outcome = this.committer ? await this.committer.submit(item) : (await this.applyBatch([item]))[0]!;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private async applyBatch(items: BatchItem[]): Promise<ItemOutcome[]> {
    const result: BatchResult = await applyBudgetBatch(this.pool, items, { now: this.now?.() ?? null });
    if (result.alerts.length > 0) this.announce(result.alerts);
    return result.outcomes;
  }

  /**
   * Records, once per budget and period, that hard budget `budgetName` refused a job which now
   * waits for it, and hands the alert to `onAlerts` like a threshold crossing.
   */
  async recordExhausted(budgetName: string): Promise<RecordedAlert | undefined> {
    const alert = await recordExhaustedAlert(this.pool, budgetName, this.now?.() ?? null);
    if (alert) this.announce([alert]);
    return alert;
  }

  private announce(alerts: RecordedAlert[]): void {
    for (const alert of alerts) {
      if (alert.kind === 'exhausted') {
        this.logger.warn(
          { budget: alert.budgetName, spentMicros: alert.spentMicros, limitMicros: alert.limitMicros },
          `budget "${alert.budgetName}" exhausted: jobs that do not fit wait for budget (${formatDollars(alert.spentMicros)} of ${formatDollars(alert.limitMicros)} spent)`,
        );
        continue;
      }
      this.logger.warn(
        { budget: alert.budgetName, threshold: alert.threshold, spentMicros: alert.spentMicros, limitMicros: alert.limitMicros },
        `budget "${alert.budgetName}" reached ${alert.threshold}% of its limit (${formatDollars(alert.spentMicros)} of ${formatDollars(alert.limitMicros)})`,
      );
    }
    try {
      this.onAlerts?.(alerts);
    } catch (error) {
      this.logger.error({ err: error }, 'budget alert hook failed');
    }
  }
}

/** A fresh id for a provider call. */
export function newCallId(): string {
  return randomUUID();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function normalizeCallId(callId: string): string {
  if (typeof callId !== 'string' || !UUID.test(callId)) throw new InputError(`call id ${JSON.stringify(callId)} is not a UUID`, 'create call ids with newCallId()');
  return callId.toLowerCase();
}

function normalizeReserve(request: ReserveRequest): NormalizedReserve {
  const text = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value.trim() === '') throw new InputError(`reservation field ${field} is missing`, `give ${field} as a non-empty string`);
    return value;
  };
  const model = text(request.model, 'model');
  const max = request.maxCostMicros;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) throw new UnpricedCallError(model, max);
  const names = request.budgetNames ?? [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new InputError('reservation field budgetNames must be a list of budget names', 'give budgetNames as an array of strings');
  }
  return {
    callId: normalizeCallId(request.callId),
    jobId: text(request.jobId, 'jobId'),
    attempt: checkCount(request.attempt ?? 0, 'attempt'),
    seq: checkCount(request.seq ?? 0, 'seq'),
    kind: text(request.kind, 'kind'),
    purpose: checkPurpose(request.purpose ?? 'job'),
    model,
    provider: text(request.provider, 'provider'),
    budgetNames: [...new Set(names)],
    maxCostMicros: max,
    estInputTokens: checkCount(request.estInputTokens ?? 0, 'estInputTokens'),
    estOutputTokens: checkCount(request.estOutputTokens ?? 0, 'estOutputTokens'),
    estCostMicros: checkMicros(request.estCostMicros ?? 0, 'estCostMicros'),
  };
}

function checkPurpose(value: unknown): CallPurpose {
  if (!CALL_PURPOSES.includes(value as CallPurpose)) {
    throw new InputError(`reservation field purpose ${JSON.stringify(value)} is not known`, `give one of ${CALL_PURPOSES.join(', ')}`);
  }
  return value as CallPurpose;
}

function checkMicros(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`${field} ${String(value)} is not a non-negative whole number of micro-dollars`, `compute ${field} with the pricing module (integer micro-dollars)`);
  }
  return value;
}

function checkCount(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new InputError(`${field} ${String(value)} is not a non-negative whole number`, `give ${field} as a count`);
  }
  return value;
}

function checkUsage(usage: Usage): Usage {
  if (typeof usage !== 'object' || usage === null) throw new InputError('settlement usage is missing', 'give { inputTokens, cachedInputTokens, outputTokens }');
  const outputTokens = checkCount(usage.outputTokens, 'usage.outputTokens');
  const checked: Usage = {
    inputTokens: checkCount(usage.inputTokens, 'usage.inputTokens'),
    cachedInputTokens: checkCount(usage.cachedInputTokens ?? 0, 'usage.cachedInputTokens'),
    outputTokens,
  };
  // Reasoning is a part of the output, never more: a vendor reporting more would not change the bill.
  if (usage.reasoningTokens !== undefined) checked.reasoningTokens = Math.min(checkCount(usage.reasoningTokens, 'usage.reasoningTokens'), outputTokens);
  return checked;
}
