import type pg from 'pg';
import { onNotification } from '../db/on-notification.js';
import { RATINGS_CHANGED_CHANNEL, LearnedRatingStore } from './learned-rating-store.js';
import type { LearnedRatingsInForce } from './route.js';

export interface RatingsInForceOptions {
  /** Reload this often even without a notification (one missed while reconnecting). Default 30,000 ms. */
  reloadMs?: number;
  /** Called when a reload fails (the previous ratings stay in force). */
  onError?: (error: unknown) => void;
}

/**
 * The learned ratings a long-running process routes with: loaded at start, reloaded on every
 * `frugal_ratings_changed` notification and periodically, so `frugal ratings apply` and `reset`
 * reach running workers without a restart.
 */
export class RatingsInForce {
  private value: LearnedRatingsInForce = new Map();
  private version = 0;
  private started = 0;
  private applied = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopListening: (() => Promise<void>) | undefined;
  private readonly store: LearnedRatingStore;

  constructor(
    pool: pg.Pool,
    private readonly databaseUrl: string,
    private readonly options: RatingsInForceOptions = {},
  ) {
    this.store = new LearnedRatingStore(pool);
  }

  /** The ratings now in force (empty: the catalog decides). */
  get current(): LearnedRatingsInForce {
    return this.value;
  }

  /** How many reloads have completed (for waiting on a change in tests and tools). */
  get reloads(): number {
    return this.version;
  }

  async start(): Promise<void> {
    await this.reload();
    this.stopListening = await onNotification(this.databaseUrl, RATINGS_CHANGED_CHANNEL, () => void this.reload(), { applicationName: 'frugal-ratings-listener' });
    this.timer = setInterval(() => void this.reload(), this.options.reloadMs ?? 30_000);
    this.timer.unref();
  }

  async reload(): Promise<void> {
    // Reloads may overlap: an older read must not replace a newer one.
    const mine = ++this.started;
    try {
      const loaded = await this.store.load();
      if (mine > this.applied) {
        this.applied = mine;
        this.value = loaded;
      }
      this.version++;
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.stopListening?.().catch(() => {});
  }
}
