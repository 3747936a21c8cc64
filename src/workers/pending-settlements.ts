import { isTransient } from '../budget/apply-budget-batch.js';
import type { Logger } from '../log.js';
import { SettlementAbandonedError } from './settlement-abandoned-error.js';

/** What a pending write is about, for the logs (never the answer's text). */
export interface PendingWrite {
  jobId: string;
  callId: string;
  /** The call's actual cost, or the amount it is charged when it failed. */
  costMicros: number;
  /** When the call's reservation was taken (ms since the epoch): it turns stale `staleMs` later. */
  reservedAt: number;
}

export interface PendingSettlementsOptions {
  /** Age after which an open reservation is closed as spent by any process: the writes give up just before. */
  staleMs: number;
  /** First wait before writing again; doubles up to `maxBackoffMs`. Default 100 ms. */
  firstBackoffMs?: number;
  /** Default 5,000 ms. */
  maxBackoffMs?: number;
  logger: Logger;
}

/** Give up this long before the stale age, so the write never races the stale close. */
const STALE_MARGIN_MS = 1_000;

/**
 * Keeps the writes that follow an answered call — the result, then the settlement — in the
 * process while Postgres is unreachable, retrying with backoff until it returns or until the
 * call's reservation is about to turn stale. The caller awaits: the job stays active, its lock
 * renewed by BullMQ, so no other worker takes it and the provider is never called again for it.
 * Writes are idempotent (results by job id, settlements by call id), so a retry after a partial
 * success changes nothing twice.
 */
export class PendingSettlements {
  private readonly pending = new Map<string, PendingWrite & { since: number; tries: number; lastError: string }>();
  private readonly firstBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly sleepers = new Set<() => void>();
  private abandoned = false;

  constructor(private readonly options: PendingSettlementsOptions) {
    this.firstBackoffMs = options.firstBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
  }

  /** Runs `write` until it succeeds; transient database errors are retried, others thrown at once. */
  async keep<T>(what: PendingWrite, write: () => Promise<T>): Promise<T> {
    const { logger } = this.options;
    const giveUpAt = what.reservedAt + this.options.staleMs - STALE_MARGIN_MS;
    let backoff = this.firstBackoffMs;
    for (let tries = 1; ; tries++) {
      try {
        const value = await write();
        if (tries > 1) {
          const entry = this.pending.get(what.callId);
          logger.info({ jobId: what.jobId, callId: what.callId, tries, pendingMs: entry ? Date.now() - entry.since : undefined }, 'pending settlement written');
        }
        this.pending.delete(what.callId);
        return value;
      } catch (error) {
        if (!isUnreachable(error)) {
          this.pending.delete(what.callId);
          throw error;
        }
        const message = error instanceof Error ? error.message : String(error);
        const entry = this.pending.get(what.callId);
        if (entry) {
          entry.tries = tries;
          entry.lastError = message;
        } else {
          this.pending.set(what.callId, { ...what, since: Date.now(), tries, lastError: message });
          logger.warn({ jobId: what.jobId, callId: what.callId, costMicros: what.costMicros, err: message }, 'Postgres unreachable after the provider answered: keeping the settlement pending');
        }
        const wait = Math.round(backoff * (1 + Math.random() * 0.2));
        if (this.abandoned || Date.now() + wait > giveUpAt) {
          this.pending.delete(what.callId);
          logger.error({ jobId: what.jobId, callId: what.callId, costMicros: what.costMicros, tries, err: message }, 'pending settlement abandoned: its reservation turns stale and is closed as spent');
          throw new SettlementAbandonedError(what.callId, what.jobId, error);
        }
        await this.sleep(wait);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
      }
    }
  }

  /**
   * Stops retrying: each pending write tries once more now and, failing, gives up
   * (SettlementAbandonedError). For a shutdown whose deadline passed.
   */
  abandon(): void {
    this.abandoned = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** The writes waiting for Postgres now. */
  list(): Array<PendingWrite & { tries: number; lastError: string; pendingMs: number }> {
    const now = Date.now();
    return [...this.pending.values()].map(({ since, ...rest }) => ({ ...rest, pendingMs: now - since }));
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Postgres unreachable: a refused, reset or timed-out connection, or a backend that went away. */
function isUnreachable(error: unknown): boolean {
  return isTransient(error) || /timeout exceeded when trying to connect|Connection terminated|ECONNRESET|ECONNREFUSED/i.test(String((error as Error)?.message));
}
