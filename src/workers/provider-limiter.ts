import type { Redis } from 'ioredis';

/** A model's allowance at its provider: requests and tokens per window. */
export interface RateAllowance {
  requests: number;
  tokens: number;
  /** Window length. Providers publish per-minute limits: default 60,000 ms. */
  windowMs: number;
}

/**
 * `window` identifies the window the call was counted in, for giving back what it did not use;
 * `excess` is how much of what it took is above what it is expected to use.
 */
export type Admission =
  | { ok: true; window?: number; excess?: number }
  /** `soon`: the missing room is held by calls in flight that are expected to give it back. */
  | { ok: false; retryInMs: number; soon?: boolean };

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
  /**
   * When a refusal's missing room is held by calls in flight that will give most of it back
   * (they took their safe maximum, they are expected to use far less), the caller comes back
   * after about this long instead of in a later window. Default 2 % of the window, at least
   * 250 ms, at most 1,500 ms.
   */
  settleRetryMs?: number;
}

/** Why jobs of a model are delayed by its rate limit: `frugal status` shows it. */
export interface RateLimitWait {
  modelId: string;
  /** The latest time a refused job was told to come back. */
  nextSlotAt: Date;
  /** Refusals in the current window. */
  refusals: number;
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
 * Calls take their safe maximum of tokens but are expected to use less; the excess they took is
 * kept in `p` until their refund gives it back. A refused call that would fit once the calls in
 * flight give back their excess is told so (`soon`), and comes back shortly instead of in a later
 * window: the room refunds free is used in the window it belongs to.
 *
 * KEYS[1] model hash; ARGV requests limit, tokens limit, window ms, guard ms, tokens wanted (-1:
 * only refund), refund window, refund tokens, tokens expected, excess given back with the refund.
 * Returns {admitted 0|1, window, ms until the window ends, refusals in this window, soon 0|1}.
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
local expected = tonumber(ARGV[8])
local refundExcess = tonumber(ARGV[9])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(now / windowMs)
local state = redis.call('HMGET', key, 'w', 'r', 't', 'x', 'nr', 'nt', 'p')
local stored = tonumber(state[1])
local r, tok, x, nr, nt, p = 0, 0, 0, 0, 0, 0
if stored == window then
  r = tonumber(state[2]) or 0
  tok = tonumber(state[3]) or 0
  x = tonumber(state[4]) or 0
  nr = tonumber(state[5]) or 0
  nt = tonumber(state[6]) or 0
  p = tonumber(state[7]) or 0
elseif stored == window - 1 then
  r = tonumber(state[5]) or 0
  tok = tonumber(state[6]) or 0
end
if refundWindow == window then
  tok = math.max(0, tok - refundTokens)
  p = math.max(0, p - refundExcess)
end
local soon = 0
local resetMs = (window + 1) * windowMs - now
local admitted = 1
if want >= 0 then
  local guarded = resetMs <= guardMs
  if r + 1 > reqLimit or tok + want > tokLimit or (guarded and (nr + 1 > reqLimit or nt + want > tokLimit)) then
    admitted = 0
    if r + 1 <= reqLimit and not guarded and tok - p + want <= tokLimit then
      soon = 1
    else
      -- Only callers sent to a later window take a slot there.
      x = x + 1
    end
  else
    r = r + 1
    tok = tok + want
    p = p + math.max(0, want - expected)
    if guarded then
      nr = nr + 1
      nt = nt + want
    end
  end
end
redis.call('HSET', key, 'w', window, 'r', r, 't', tok, 'x', x, 'nr', nr, 'nt', nt, 'p', p)
redis.call('PEXPIRE', key, windowMs * 2 + 1000)
return {admitted, window, resetMs, x, soon}
`;

interface ModelState {
  allowance: RateAllowance;
  /** Limits after the safety margin. */
  requests: number;
  tokens: number;
  /** Refunds not yet written, for calls counted in `refundWindow`. */
  refundWindow: number;
  refundTokens: number;
  refundExcess: number;
  settleRetryMs: number;
  /** Calls admitted this close to a window's end count in the next window too. */
  guardMs: number;
  flushTimer: NodeJS.Timeout | undefined;
}

type AcquireCommand = (
  key: string,
  requests: number,
  tokens: number,
  windowMs: number,
  guardMs: number,
  want: number,
  refundWindow: number,
  refundTokens: number,
  expected: number,
  refundExcess: number,
) => Promise<[number, number, number, number, number]>;

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
  private readonly settleRetryMs: number | undefined;
  private readonly command: AcquireCommand;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly allowanceOf: (modelId: string) => RateAllowance | undefined,
    options: ProviderLimiterOptions = {},
  ) {
    this.safetyMargin = options.safetyMargin ?? 0.01;
    this.guardMs = options.guardMs;
    this.settleRetryMs = options.settleRetryMs;
    this.refundFlushMs = options.refundFlushMs ?? 25;
    if (!(this.safetyMargin >= 0 && this.safetyMargin < 1)) throw new RangeError(`safetyMargin must be in [0, 1) (got ${this.safetyMargin})`);
    // defineCommand caches the script by SHA per connection (EVALSHA after the first EVAL).
    if (!(redis as unknown as Record<string, unknown>).frugalRateAcquire) redis.defineCommand('frugalRateAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
    this.command = ((...args: Parameters<AcquireCommand>) => (redis as unknown as { frugalRateAcquire: AcquireCommand }).frugalRateAcquire(...args)) as AcquireCommand;
  }

  /**
   * Takes one request and `tokens` tokens of the model's allowance, or says when to come back.
   * `expectedTokens` (default `tokens`) is what the call will most likely use: refused callers
   * are spread over the following windows at that rate, not at the rate of their safe maximum.
   */
  async acquire(modelId: string, tokens: number, expectedTokens: number = tokens): Promise<Admission> {
    const state = this.stateFor(modelId);
    if (!state) return { ok: true };
    // A call larger than a whole window's tokens could never pass; it goes alone into an empty window.
    const want = Math.max(0, Math.min(Math.ceil(tokens), state.tokens));
    const expected = Math.max(0, Math.min(Math.ceil(expectedTokens), want));
    const [admitted, window, resetMs, refusals, soon] = await this.run(modelId, state, want, expected);
    if (admitted === 1) return { ok: true, window, excess: want - expected };
    if (soon === 1) {
      const retryInMs = Math.max(1, Math.min(resetMs, state.settleRetryMs + Math.floor(Math.random() * state.settleRetryMs)));
      this.noteWait(modelId, state, retryInMs, refusals);
      return { ok: false, retryInMs, soon: true };
    }
    const perWindow = Math.max(1, Math.min(state.requests, Math.floor(state.tokens / Math.max(1, expected))));
    const slot = (refusals - 1) % (SPREAD_WINDOWS * perWindow);
    const retryInMs = Math.max(1, resetMs + Math.floor((slot * state.allowance.windowMs) / perWindow));
    this.noteWait(modelId, state, retryInMs, refusals);
    return { ok: false, retryInMs };
  }

  /** Why each rate-limited model's jobs wait now (models with no refusal lately are left out). */
  async waits(modelIds: readonly string[]): Promise<RateLimitWait[]> {
    const out: RateLimitWait[] = [];
    for (const modelId of modelIds) {
      const raw = await this.redis.hmget(this.waitKey(modelId), 'until', 'refusals');
      if (!raw[0]) continue;
      const until = Number(raw[0]);
      if (!(until > Date.now())) continue;
      out.push({ modelId, nextSlotAt: new Date(until), refusals: Number(raw[1] ?? 0) });
    }
    return out;
  }

  /** Records the latest slot handed out, for `frugal status`; best effort, one write per refusal. */
  private noteWait(modelId: string, state: ModelState, retryInMs: number, refusals: number): void {
    const until = Date.now() + retryInMs;
    const key = this.waitKey(modelId);
    void this.redis
      .eval(
        `local cur = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
         if tonumber(ARGV[1]) > cur then redis.call('HSET', KEYS[1], 'until', ARGV[1]) end
         redis.call('HSET', KEYS[1], 'refusals', ARGV[2])
         redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[1]) - tonumber(ARGV[3]), 0) + tonumber(ARGV[4]))
         return 1`,
        1,
        key,
        String(until),
        String(refusals),
        String(Date.now()),
        String(state.allowance.windowMs),
      )
      .catch(() => {});
  }

  private waitKey(modelId: string): string {
    return `${this.keyPrefix}:rl-wait:${modelId}`;
  }

  /**
   * Gives back tokens a call did not use (estimate above actual usage), in the window it was
   * counted in; a refund for a window already over changes nothing. Batched: it travels with the
   * model's next `acquire`, or on its own after `refundFlushMs`.
   */
  async refundTokens(modelId: string, tokens: number, admission?: Admission): Promise<void> {
    const state = this.stateFor(modelId);
    const window = admission?.ok ? admission.window : undefined;
    const excess = admission?.ok ? (admission.excess ?? 0) : 0;
    if (!state || window === undefined || (tokens <= 0 && excess <= 0)) return;
    if (window !== state.refundWindow) {
      // Refunds for an older window are moot once a newer one has begun; keep the newest.
      if (window < state.refundWindow) return;
      state.refundWindow = window;
      state.refundTokens = 0;
      state.refundExcess = 0;
    }
    state.refundTokens += Math.max(0, Math.floor(tokens));
    // The call is over: what it held above its expectation is no longer in flight.
    state.refundExcess += excess;
    state.flushTimer ??= setTimeout(() => {
      state.flushTimer = undefined;
      if (state.refundTokens > 0 || state.refundExcess > 0) void this.run(modelId, state, -1, 0).catch(() => {});
    }, this.refundFlushMs);
    state.flushTimer.unref();
  }

  /** Writes pending refunds now. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.models].map(async ([modelId, state]) => {
        if (state && (state.refundTokens > 0 || state.refundExcess > 0)) await this.run(modelId, state, -1, 0).catch(() => {});
      }),
    );
  }

  private async run(modelId: string, state: ModelState, want: number, expected: number): Promise<[number, number, number, number, number]> {
    const { refundWindow, refundTokens, refundExcess } = state;
    state.refundTokens = 0;
    state.refundExcess = 0;
    if (state.flushTimer) {
      clearTimeout(state.flushTimer);
      state.flushTimer = undefined;
    }
    const result = await this.command(`${this.keyPrefix}:rl:${modelId}`, state.requests, state.tokens, state.allowance.windowMs, state.guardMs, want, refundWindow, refundTokens, expected, refundExcess);
    return [Number(result[0]), Number(result[1]), Number(result[2]), Number(result[3]), Number(result[4] ?? 0)];
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
            refundExcess: 0,
            settleRetryMs: this.settleRetryMs ?? Math.max(250, Math.min(1_500, Math.floor(allowance.windowMs * 0.02))),
            guardMs: this.guardMs ?? Math.min(100, Math.floor(allowance.windowMs * 0.02)),
            flushTimer: undefined,
          }
        : null;
      this.models.set(modelId, state);
    }
    return state ?? undefined;
  }
}
