import type { Redis } from 'ioredis';
import { PROVIDERS, type ProviderId } from '../pricing/types.js';

export interface ProviderHealthOptions {
  /** Failures (5xx, overload, timeout) within `failureWindowMs` that start a cool-down. Default 3. */
  failureThreshold?: number;
  /** Default 60,000 ms. */
  failureWindowMs?: number;
  /** How long a cooled-down provider takes no calls. Default 30,000 ms. */
  cooldownMs?: number;
  /** How long an authentication failure disables a provider. Default 10 minutes. */
  disableMs?: number;
  /** How often the shared state is re-read from Redis. Default 250 ms. */
  refreshMs?: number;
}

export type ProviderState =
  | { state: 'ok' }
  | { state: 'slowed'; until: number; reason: string }
  | { state: 'cooling'; until: number; reason: string }
  | { state: 'disabled'; until: number; reason: string };

const KINDS = ['slowed', 'cooling', 'disabled'] as const;

/**
 * Which providers may take calls now, shared by every worker process through Redis: a provider
 * is `slowed` after a 429 (until its retry-after), `cooling` after repeated server errors or
 * timeouts, `disabled` after an authentication failure. Reads come from a local copy refreshed
 * every `refreshMs`, so routing a job costs no Redis round trip.
 */
export class ProviderHealth {
  private readonly options: Required<ProviderHealthOptions>;
  private readonly states = new Map<ProviderId, ProviderState>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    options: ProviderHealthOptions = {},
  ) {
    this.options = {
      failureThreshold: options.failureThreshold ?? 3,
      failureWindowMs: options.failureWindowMs ?? 60_000,
      cooldownMs: options.cooldownMs ?? 30_000,
      disableMs: options.disableMs ?? 600_000,
      refreshMs: options.refreshMs ?? 250,
    };
  }

  /** Starts the periodic refresh. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The local view of a provider. */
  state(provider: ProviderId, now = Date.now()): ProviderState {
    const state = this.states.get(provider);
    if (!state || state.state === 'ok' || state.until <= now) return { state: 'ok' };
    return state;
  }

  /**
   * Why the router must not send work to the provider now (cooling down or disabled), or
   * undefined. A provider that is only `slowed` stays eligible: its jobs wait for it rather than
   * pay more elsewhere.
   */
  unavailable(provider: ProviderId, now = Date.now()): string | undefined {
    const state = this.state(provider, now);
    if (state.state === 'ok' || state.state === 'slowed') return undefined;
    const seconds = Math.ceil((state.until - now) / 1000);
    return `${provider} is ${state.state} for ${seconds}s more (${state.reason})`;
  }

  /** Milliseconds until the provider takes calls again (0 when it does now). */
  waitMs(provider: ProviderId, now = Date.now()): number {
    const state = this.state(provider, now);
    return state.state === 'ok' ? 0 : state.until - now;
  }

  /** Milliseconds left of a 429 slow-down (0 when the provider is not slowed). */
  slowedMs(provider: ProviderId, now = Date.now()): number {
    const state = this.state(provider, now);
    return state.state === 'slowed' ? state.until - now : 0;
  }

  /** A 429: slow the provider for every worker until its retry-after has passed. */
  async slowDown(provider: ProviderId, retryAfterMs: number, reason = 'rate limited'): Promise<void> {
    await this.mark('slowed', provider, Math.max(retryAfterMs, 1), reason);
  }

  /** A 5xx, overload or timeout. Returns true when this failure started a cool-down. */
  async recordFailure(provider: ProviderId, reason: string): Promise<boolean> {
    const key = `${this.keyPrefix}:health:failures:${provider}`;
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, this.options.failureWindowMs, 'NX').exec()) as [[null, number]];
    if (count < this.options.failureThreshold) return false;
    await this.redis.del(key);
    await this.mark('cooling', provider, this.options.cooldownMs, `${count} failures: ${reason}`);
    return true;
  }

  /** An authentication failure: no calls to this provider for `disableMs`. */
  async disable(provider: ProviderId, reason: string): Promise<void> {
    await this.mark('disabled', provider, this.options.disableMs, reason);
  }

  /** Re-reads the shared state from Redis. */
  async refresh(): Promise<void> {
    const keys = PROVIDERS.flatMap((p) => KINDS.map((k) => this.key(k, p)));
    const values = await this.redis.mget(...keys);
    let i = 0;
    for (const provider of PROVIDERS) {
      let worst: ProviderState = { state: 'ok' };
      for (const kind of KINDS) {
        const raw = values[i++];
        if (!raw) continue;
        const { until, reason } = JSON.parse(raw) as { until: number; reason: string };
        if (worst.state === 'ok' || until > worst.until) worst = { state: kind, until, reason };
      }
      this.states.set(provider, worst);
    }
  }

  private key(kind: (typeof KINDS)[number], provider: ProviderId): string {
    return `${this.keyPrefix}:health:${kind}:${provider}`;
  }

  private async mark(kind: (typeof KINDS)[number], provider: ProviderId, ms: number, reason: string): Promise<void> {
    const until = Date.now() + ms;
    this.states.set(provider, { state: kind, until, reason });
    await this.redis.set(this.key(kind, provider), JSON.stringify({ until, reason }), 'PX', ms);
  }
}
