import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** A model's allowance at its provider: requests and tokens per window. */
export interface RateAllowance {
  requests: number;
  tokens: number;
  /** Window length. Providers publish per-minute limits: default 60,000 ms. */
  windowMs: number;
}

export type Admission = { ok: true } | { ok: false; retryInMs: number };

interface ModelLimiters {
  requests: RateLimiterRedis;
  tokens: RateLimiterRedis;
  allowance: RateAllowance;
}

/**
 * Per-model request and token limits, counted in Redis so every worker process on every machine
 * shares them. Each model has its own counters, so one provider's saturation never holds back
 * another's calls (BullMQ's own `rateLimit` would pause the whole queue).
 */
export class ProviderLimiter {
  private readonly limiters = new Map<string, ModelLimiters>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly allowanceOf: (modelId: string) => RateAllowance | undefined,
  ) {}

  /** Takes one request and `tokens` tokens of the model's allowance, or says when to come back. */
  async acquire(modelId: string, tokens: number): Promise<Admission> {
    const limiters = this.limitersFor(modelId);
    if (!limiters) return { ok: true };
    try {
      await limiters.requests.consume(modelId, 1);
    } catch (error) {
      return rejection(error);
    }
    // A call larger than a whole window's tokens could never pass; let it through alone.
    const points = Math.min(tokens, limiters.allowance.tokens);
    try {
      await limiters.tokens.consume(modelId, points);
      return { ok: true };
    } catch (error) {
      await limiters.requests.reward(modelId, 1).catch(() => {});
      return rejection(error);
    }
  }

  /** Gives back tokens the call did not use (estimate above actual usage). */
  async refundTokens(modelId: string, tokens: number): Promise<void> {
    if (tokens <= 0) return;
    await this.limitersFor(modelId)?.tokens.reward(modelId, tokens).catch(() => {});
  }

  private limitersFor(modelId: string): ModelLimiters | undefined {
    let limiters = this.limiters.get(modelId);
    if (!limiters) {
      const allowance = this.allowanceOf(modelId);
      if (!allowance) return undefined;
      const duration = allowance.windowMs / 1000;
      limiters = {
        allowance,
        requests: new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.keyPrefix}:rl:req`, points: allowance.requests, duration }),
        tokens: new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.keyPrefix}:rl:tok`, points: allowance.tokens, duration }),
      };
      this.limiters.set(modelId, limiters);
    }
    return limiters;
  }
}

function rejection(error: unknown): Admission {
  if (error instanceof RateLimiterRes) return { ok: false, retryInMs: Math.max(1, error.msBeforeNext) };
  throw error;
}
