import { Gauge, Registry } from 'prom-client';
import { PROVIDER_STATES, type DashboardData } from './dashboard-data.js';

export interface GlobalMetricsOptions {
  /** Least time between two reads of Postgres and Redis; scrapes in between get the last figures. Default 10,000 ms. */
  minRefreshMs?: number;
}

/**
 * The installation-wide gauges, served only by the dashboard (one process), so Prometheus never
 * sums the same budget over several workers. Money in micro-dollars; no job ids as labels.
 */
export class GlobalMetrics {
  readonly registry = new Registry();
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;
  private readonly minRefreshMs: number;
  private readonly spent: Gauge<'budget'>;
  private readonly reserved: Gauge<'budget'>;
  private readonly limit: Gauge<'budget'>;
  private readonly queueJobs: Gauge<'queue' | 'state'>;
  private readonly waiting: Gauge<'budget'>;
  private readonly providerUp: Gauge<'provider' | 'state'>;

  constructor(
    private readonly data: DashboardData,
    options: GlobalMetricsOptions = {},
  ) {
    this.minRefreshMs = options.minRefreshMs ?? 10_000;
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) => new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
    this.spent = gauge('frugal_budget_spent_micros', 'Money spent in the budget\'s current period, in micro-dollars.', ['budget']);
    this.reserved = gauge('frugal_budget_reserved_micros', 'Money held by open reservations in the budget\'s current period, in micro-dollars.', ['budget']);
    this.limit = gauge('frugal_budget_limit_micros', 'The budget\'s limit per period, in micro-dollars.', ['budget']);
    this.queueJobs = gauge('frugal_queue_jobs', 'Jobs in each BullMQ queue per state.', ['queue', 'state']);
    this.waiting = gauge('frugal_jobs_waiting_budget', 'Jobs waiting for room in a hard budget.', ['budget']);
    this.providerUp = gauge('frugal_provider_up', '1 for the state each provider is in (ok, slowed, cooling, disabled, unconfigured), 0 for the others.', ['provider', 'state']);
  }

  /** The exposition text, refreshing the figures first when the last refresh is old enough. */
  async metrics(): Promise<string> {
    if (Date.now() - this.lastRefresh >= this.minRefreshMs) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async refresh(): Promise<void> {
    const [budgets, counts, waiting, providers] = await Promise.all([this.data.budgets(), this.data.queueCounts(), this.data.waitingForBudget(), this.data.providers()]);
    // Reset first: a deleted budget or a drained wait must not linger with its last value.
    for (const g of [this.spent, this.reserved, this.limit, this.queueJobs, this.waiting, this.providerUp]) g.reset();
    for (const b of budgets) {
      this.spent.set({ budget: b.name }, b.spentMicros);
      this.reserved.set({ budget: b.name }, b.reservedMicros);
      this.limit.set({ budget: b.name }, b.limitMicros);
    }
    for (const [queue, byState] of Object.entries(counts)) {
      for (const [state, n] of Object.entries(byState)) this.queueJobs.set({ queue, state }, n);
    }
    for (const w of waiting) this.waiting.set({ budget: w.budget }, w.jobs);
    for (const p of providers) {
      for (const state of PROVIDER_STATES) this.providerUp.set({ provider: p.provider, state }, p.state === state ? 1 : 0);
    }
    this.lastRefresh = Date.now();
  }
}
