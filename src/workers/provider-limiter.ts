import type { Redis } from 'ioredis';

/** A model's allowance at its provider: requests and tokens per window. */
export interface RateAllowance {
  requests: number;
  tokens: number;
  /** Window length. Providers publish per-minute limits: default 60,000 ms. */
  windowMs: number;
}

/** `window` identifies the window the call was counted in, for giving back what it did not use. */
export type Admission = { ok: true; window?: number } | { ok: false; retryInMs: number };

export interface ProviderLimiterOptions {
  /**
   * Share of each allowance left unused, for clocks that disagree and for calls slower to reach
   * the provider than `guardMs`. Default 0.01.
   */
  safetyMargin?: number;
  /**
   * A call admitted this close to the end of a window may reach the provider in the next one, so
   * it counts in both. Default 2 % of the window, at most 100 ms.
   */
  guardMs?: number;
  /**
   * Longest that unused tokens given back wait locally before they are written to Redis on their
   * own; normally they travel with the model's next `acquire`. Default 25 ms.
   */
  refundFlushMs?: number;
}

/**
 * How many windows ahead refused callers are spread over: the k-th refusal in a window is told to
 * come back at the k-th slot of the following windows (at the allowed rate), so a backlog is
 * refused about once per job instead of retrying all at once at each window's start.
 */
const SPREAD_WINDOWS = 60;

/**
 * One script per call, so an admission is one Redis round trip: fixed windows aligned to the
 * epoch on Redis's clock (the same for every worker, and how the simulator and most providers
 * count), requests and tokens checked and counted together, pending refunds for the current
 * window applied first. A call admitted in the last `guard` ms of a window may reach the
 * provider in the next one, so it is counted in both. State per model is one hash: window id,
 * requests, tokens and refusals of that window, and what the guard already counted in the next.
 *
 * KEYS[1] model hash; ARGV requests limit, tokens limit, window ms, guard ms, tokens wanted (-1:
 * only refund), refund window, refund tokens.
 * Returns {admitted 0|1, window, ms until the window ends, refusals in this window}.
 */
const ACQUIRE_LUA = `
local key = KEYS[1]
local reqLimit = tonumber(ARGV[1])
local tokLimit = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local guardMs = tonumber(ARGV[4])
local want = tonumber(ARGV[5])
local refundWindow = tonumber(ARGV[6])
local refundTokens = tonumber(ARGV[7])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(now / windowMs)
local state = redis.call('HMGET', key, 'w', 'r', 't', 'x', 'nr', 'nt')
local stored = tonumber(state[1])
local r, tok, x, nr, nt = 0, 0, 0, 0, 0
if stored == window then
  r = tonumber(state[2]) or 0
  tok = tonumber(state[3]) or 0
  x = tonumber(state[4]) or 0
  nr = tonumber(state[5]) or 0
  nt = tonumber(state[6]) or 0
elseif stored == window - 1 then
  r = tonumber(state[5]) or 0
  tok = tonumber(state[6]) or 0
end
if refundWindow == window then
  tok = math.max(0, tok - refundTokens)
end
local resetMs = (window + 1) * windowMs - now
local admitted = 1
if want >= 0 then
  local guarded = resetMs <= guardMs
  if r + 1 > reqLimit or tok + want > tokLimit or (guarded and (nr + 1 > reqLimit or nt + want > tokLimit)) then
    admitted = 0
    x = x + 1
  else
    r = r + 1
    tok = tok + want
    if guarded then
      nr = nr + 1
      nt = nt + want
    end
  end
end
redis.call('HSET', key, 'w', window, 'r', r, 't', tok, 'x', x, 'nr', nr, 'nt', nt)
redis.call('PEXPIRE', key, windowMs * 2 + 1000)
return {admitted, window, resetMs, x}
`;

interface ModelState {
  allowance: RateAllowance;
  /** Limits after the safety margin. */
  requests: number;
  tokens: number;
  /** Refunds not yet written, for calls counted in `refundWindow`. */
  refundWindow: number;
  refundTokens: number;
  /** Calls admitted this close to a window's end count in the next window too. */
  guardMs: number;
  flushTimer: NodeJS.Timeout | undefined;
}

type AcquireCommand = (key: string, requests: number, tokens: number, windowMs: number, guardMs: number, want: number, refundWindow: number, refundTokens: number) => Promise<[number, number, number, number]>;

/**
 * Per-model request and token limits, counted in Redis so every worker process on every machine
 * shares them. Each model has its own counters, so one provider's saturation never holds back
 * another's calls (BullMQ's own `rateLimit` would pause the whole queue). Models without limits
 * cost nothing: no Redis round trip.
 */
export class ProviderLimiter {
  private readonly models = new Map<string, ModelState | null>();
  private readonly safetyMargin: number;
  private readonly refundFlushMs: number;
  private readonly guardMs: number | undefined;
  private readonly command: AcquireCommand;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly allowanceOf: (modelId: string) => RateAllowance | undefined,
    options: ProviderLimiterOptions = {},
  ) {
    this.safetyMargin = options.safetyMargin ?? 0.01;
    this.guardMs = options.guardMs;
    this.refundFlushMs = options.refundFlushMs ?? 25;
    if (!(this.safetyMargin >= 0 && this.safetyMargin < 1)) throw new RangeError(`safetyMargin must be in [0, 1) (got ${this.safetyMargin})`);
    // defineCommand caches the script by SHA per connection (EVALSHA after the first EVAL).
    if (!(redis as unknown as Record<string, unknown>).frugalRateAcquire) redis.defineCommand('frugalRateAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
    this.command = ((...args: Parameters<AcquireCommand>) => (redis as unknown as { frugalRateAcquire: AcquireCommand }).frugalRateAcquire(...args)) as AcquireCommand;
  }

  /** Takes one request and `tokens` tokens of the model's allowance, or says when to come back. */
  async acquire(modelId: string, tokens: number): Promise<Admission> {
    const state = this.stateFor(modelId);
    if (!state) return { ok: true };
    // A call larger than a whole window's tokens could never pass; it goes alone into an empty window.
    const want = Math.max(0, Math.min(Math.ceil(tokens), state.tokens));
    const [admitted, window, resetMs, refusals] = await this.run(modelId, state, want);
    if (admitted === 1) return { ok: true, window };
    const perWindow = Math.max(1, Math.min(state.requests, Math.floor(state.tokens / Math.max(1, want))));
    const slot = (refusals - 1) % (SPREAD_WINDOWS * perWindow);
    return { ok: false, retryInMs: Math.max(1, resetMs + Math.floor((slot * state.allowance.windowMs) / perWindow)) };
  }

  /**
   * Gives back tokens a call did not use (estimate above actual usage), in the window it was
   * counted in; a refund for a window already over changes nothing. Batched: it travels with the
   * model's next `acquire`, or on its own after `refundFlushMs`.
   */
  async refundTokens(modelId: string, tokens: number, admission?: Admission): Promise<void> {
    const state = this.stateFor(modelId);
    const window = admission?.ok ? admission.window : undefined;
    if (!state || tokens <= 0 || window === undefined) return;
    if (window !== state.refundWindow) {
      // Refunds for an older window are moot once a newer one has begun; keep the newest.
      if (window < state.refundWindow) return;
      state.refundWindow = window;
      state.refundTokens = 0;
    }
    state.refundTokens += Math.floor(tokens);
    state.flushTimer ??= setTimeout(() => {
      state.flushTimer = undefined;
      if (state.refundTokens > 0) void this.run(modelId, state, -1).catch(() => {});
    }, this.refundFlushMs);
    state.flushTimer.unref();
  }

  /** Writes pending refunds now. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.models].map(async ([modelId, state]) => {
        if (state && state.refundTokens > 0) await this.run(modelId, state, -1).catch(() => {});
      }),
    );
  }

  private async run(modelId: string, state: ModelState, want: number): Promise<[number, number, number, number]> {
    const { refundWindow, refundTokens } = state;
    state.refundTokens = 0;
    if (state.flushTimer) {
      clearTimeout(state.flushTimer);
      state.flushTimer = undefined;
    }
    const result = await this.command(`${this.keyPrefix}:rl:${modelId}`, state.requests, state.tokens, state.allowance.windowMs, state.guardMs, want, refundWindow, refundTokens);
    return [Number(result[0]), Number(result[1]), Number(result[2]), Number(result[3])];
  }

  private stateFor(modelId: string): ModelState | undefined {
    let state = this.models.get(modelId);
    if (state === undefined) {
      const allowance = this.allowanceOf(modelId);
      state = allowance
        ? {
            allowance,
            requests: Math.max(1, Math.floor(allowance.requests * (1 - this.safetyMargin))),
            tokens: Math.max(1, Math.floor(allowance.tokens * (1 - this.safetyMargin))),
            refundWindow: -1,
            refundTokens: 0,
            guardMs: this.guardMs ?? Math.min(100, Math.floor(allowance.windowMs * 0.02)),
            flushTimer: undefined,
          }
        : null;
      this.models.set(modelId, state);
    }
    return state ?? undefined;
  }
}
