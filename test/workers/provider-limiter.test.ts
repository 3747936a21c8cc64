import { describe, expect, it } from 'vitest';
import { ProviderLimiter, type RateAllowance } from '../../src/workers/provider-limiter.js';
import { useTestEnv, waitFor } from '../support/env.js';

const env = useTestEnv();
/** A window far longer than a test, so a test's calls share one window (unless it started within ms of an hour boundary). */
const HOUR = 3_600_000;

function limiter(allowances: Record<string, RateAllowance>, prefix: string, options = {}): ProviderLimiter {
  return new ProviderLimiter(env.redis, `${env.prefix}:${prefix}`, (modelId) => allowances[modelId], options);
}

describe('the provider limiter', () => {
  it('admits at most the allowance less its safety margin in a window, and says to come back after the window', async () => {
    const rl = limiter({ m: { requests: 100, tokens: 1_000_000, windowMs: HOUR } }, 'a');
    const outcomes = [];
    for (let i = 0; i < 110; i++) outcomes.push(await rl.acquire('m', 10));
    const admitted = outcomes.filter((o) => o.ok);
    expect(admitted).toHaveLength(99); // 1 % margin
    const refused = outcomes.filter((o): o is { ok: false; retryInMs: number } => !o.ok);
    const untilWindowEnd = HOUR - (Date.now() % HOUR);
    expect(refused[0]!.retryInMs).toBeGreaterThan(untilWindowEnd - 5_000);
    expect(refused[0]!.retryInMs).toBeLessThanOrEqual(untilWindowEnd + 1_000);
    // Refused callers are spread at the allowed rate over the next window instead of all returning at its start.
    const step = refused[1]!.retryInMs - refused[0]!.retryInMs;
    expect(step).toBeGreaterThan(HOUR / 99 - 1_000);
    expect(step).toBeLessThan(HOUR / 99 + 1_000);
  });

  it('counts tokens with the requests, and tokens given back make room in the same window', async () => {
    const rl = limiter({ m: { requests: 1_000, tokens: 1_000, windowMs: HOUR } }, 'b', { safetyMargin: 0 });
    const first = await rl.acquire('m', 400);
    const second = await rl.acquire('m', 400);
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect((await rl.acquire('m', 400)).ok).toBe(false);
    // The first call used 100 of its 400: the 300 unused travel with the next acquire.
    await rl.refundTokens('m', 300, first);
    expect((await rl.acquire('m', 400)).ok).toBe(true);
    expect((await rl.acquire('m', 100)).ok).toBe(true);
    expect((await rl.acquire('m', 1)).ok).toBe(false);
  });

  it('writes a refund on its own when no acquire follows', async () => {
    const rl = limiter({ m: { requests: 10, tokens: 1_000, windowMs: HOUR } }, 'c', { safetyMargin: 0, refundFlushMs: 10 });
    const admission = await rl.acquire('m', 600);
    await rl.refundTokens('m', 600, admission);
    await waitFor(async () => Number(await env.redis.hget(`${env.prefix}:c:rl:m`, 't')) === 0, { what: 'the refund in Redis' });
  });

  it('lets a call larger than a whole window through alone', async () => {
    const rl = limiter({ m: { requests: 10, tokens: 1_000, windowMs: HOUR } }, 'd', { safetyMargin: 0 });
    expect((await rl.acquire('m', 5_000)).ok).toBe(true);
    expect((await rl.acquire('m', 1)).ok).toBe(false);
  });

  it('costs no Redis round trip for a model without limits', async () => {
    const rl = limiter({}, 'e');
    expect(await rl.acquire('free', 1_000_000)).toEqual({ ok: true });
    expect(await env.redis.keys(`${env.prefix}:e:*`)).toEqual([]);
  });

  it('never admits more than the allowance in any window, windows aligned to the clock', async () => {
    const windowMs = 200;
    const rl = limiter({ m: { requests: 20, tokens: 1_000_000, windowMs } }, 'f', { safetyMargin: 0 });
    const perWindow = new Map<number, number>();
    const until = Date.now() + 5 * windowMs;
    while (Date.now() < until) {
      const admission = await rl.acquire('m', 1);
      if (admission.ok) perWindow.set(admission.window!, (perWindow.get(admission.window!) ?? 0) + 1);
    }
    expect(perWindow.size).toBeGreaterThanOrEqual(4);
    for (const count of perWindow.values()) expect(count).toBeLessThanOrEqual(20);
    // Window ids are epoch-aligned: consecutive integers of Date.now() / windowMs.
    const ids = [...perWindow.keys()];
    expect(Math.abs(ids.at(-1)! - Math.floor(Date.now() / windowMs))).toBeLessThanOrEqual(1);
  });
});

describe('pacing with the allowance', () => {
  it('spreads refused callers at the rate of the tokens calls are expected to use, not their safe maximum', async () => {
    const rl = limiter({ m: { requests: 1_000, tokens: 10_000, windowMs: HOUR } }, 'g', { safetyMargin: 0 });
    // Calls take 2,000 (their maximum) but are expected to use 1,000: ten fit a window's tokens.
    // These five used their whole maximum (nothing comes back), so the window is truly full.
    for (let i = 0; i < 5; i++) {
      const admission = await rl.acquire('m', 2_000, 1_000);
      expect(admission.ok).toBe(true);
      await rl.refundTokens('m', 0, admission);
    }
    await rl.flush();
    const first = await rl.acquire('m', 2_000, 1_000);
    const second = await rl.acquire('m', 2_000, 1_000);
    expect([first.ok, second.ok]).toEqual([false, false]);
    const step = (second as { retryInMs: number }).retryInMs - (first as { retryInMs: number }).retryInMs;
    // Ten slots per window at the expected rate (five at the maximum's).
    expect(step).toBeGreaterThan(HOUR / 10 - 1_000);
    expect(step).toBeLessThan(HOUR / 10 + 1_000);
  });

  it('tells a caller refused only for room that calls in flight will give back to come back soon, in the same window', async () => {
    const rl = limiter({ m: { requests: 1_000, tokens: 10_000, windowMs: HOUR } }, 'h', { safetyMargin: 0, settleRetryMs: 300 });
    const admitted = [];
    for (let i = 0; i < 5; i++) admitted.push(await rl.acquire('m', 2_000, 500));
    const refused = await rl.acquire('m', 2_000, 500);
    expect(refused).toMatchObject({ ok: false, soon: true });
    expect((refused as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(600);
    // The calls finish using 500 each: their unused 1,500 come back and the refused call fits.
    for (const admission of admitted) await rl.refundTokens('m', 1_500, admission);
    expect((await rl.acquire('m', 2_000, 500)).ok).toBe(true);
    // Nothing in flight can give room back once the window is truly used up: a later slot, not soon.
    const full = limiter({ n: { requests: 1_000, tokens: 4_000, windowMs: HOUR } }, 'i', { safetyMargin: 0 });
    expect((await full.acquire('n', 2_000, 2_000)).ok).toBe(true);
    expect((await full.acquire('n', 2_000, 2_000)).ok).toBe(true);
    const late = await full.acquire('n', 2_000, 2_000);
    expect(late).toMatchObject({ ok: false });
    expect((late as { soon?: boolean }).soon).toBeUndefined();
    expect((late as { retryInMs: number }).retryInMs).toBeGreaterThan(HOUR - (Date.now() % HOUR) - 5_000);
  });

  it('remembers the next slot it handed out, for status to show why jobs are delayed', async () => {
    const rl = limiter({ m: { requests: 1, tokens: 1_000_000, windowMs: HOUR } }, 'j', { safetyMargin: 0 });
    expect((await rl.acquire('m', 10)).ok).toBe(true);
    const refused = await rl.acquire('m', 10);
    expect(refused.ok).toBe(false);
    const [wait] = await waitFor(async () => {
      const waits = await rl.waits(['m', 'other']);
      return waits.length > 0 ? waits : undefined;
    }, { what: 'the wait to be recorded' });
    expect(wait!.modelId).toBe('m');
    expect(Math.abs(wait!.nextSlotAt.getTime() - (Date.now() + (refused as { retryInMs: number }).retryInMs))).toBeLessThan(5_000);
  });
});
