/**
 * Pacing on the README flow's shape (issue 12 item 6), with the real ProviderLimiter on the real
 * Redis and time scaled down: 59 calls to one model at 50 requests and 50,000 tokens per window,
 * each call taking its safe maximum (twice its expected tokens), using about what was expected,
 * answering in 1/15 of a window; a refused call waits the delay it is told, as a delayed BullMQ
 * job does. Reports the share of the token allowance used from the first call to the last
 * answer, for the old pacing (retry slots from the safe maximum, refunded room not reused) and the
 * new one, and checks no window admitted more than the allowance.
 *
 *   npx tsx bench/pacing.ts            (BENCH_PACING_WINDOW_MS, default 3,000)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ProviderLimiter } from '../src/workers/provider-limiter.js';

const WINDOW_MS = Number(process.env.BENCH_PACING_WINDOW_MS ?? 3_000);
const REQUESTS = 50;
const TOKENS = 50_000;
const CALLS = 59;
/** Expected tokens per call: the README run used about 30 % of 50k TPM for 15 min 44 s over 59 calls. */
const EXPECTED = 4_000;
const LATENCY_MS = Math.round(WINDOW_MS / 15);

interface Outcome {
  elapsedMs: number;
  tokens: number;
  share: number;
  refusals: number;
  maxWindowTokens: number;
}

async function run(redis: Redis, mode: 'old' | 'new', seed: number): Promise<Outcome> {
  const prefix = `frugal-bench-pacing-${randomBytes(4).toString('hex')}`;
  const limiter = new ProviderLimiter(redis, prefix, () => ({ requests: REQUESTS, tokens: TOKENS, windowMs: WINDOW_MS }));
  let random = seed;
  const next = () => ((random = (random * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const sizes = Array.from({ length: CALLS }, () => Math.round(EXPECTED * (0.5 + next())));
  const perWindow = new Map<number, number>();
  let refusals = 0;
  let tokens = 0;
  const start = Date.now();
  let last = start;
  await Promise.all(
    sizes.map(async (expected) => {
      const max = expected * 2;
      for (;;) {
        const admission = await limiter.acquire('m', max, mode === 'new' ? expected : max);
        if (!admission.ok) {
          refusals++;
          await new Promise((resolve) => setTimeout(resolve, admission.retryInMs));
          continue;
        }
        const used = Math.round(expected * (0.85 + next() * 0.3));
        perWindow.set(admission.window!, (perWindow.get(admission.window!) ?? 0) + used);
        await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
        tokens += used;
        last = Date.now();
        await limiter.refundTokens('m', max - used, mode === 'new' ? admission : { ok: true, window: admission.window! });
        return;
      }
    }),
  );
  await limiter.flush();
  for await (const keys of redis.scanStream({ match: `${prefix}:*` })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
  const elapsedMs = last - start;
  return { elapsedMs, tokens, share: tokens / (TOKENS * (elapsedMs / WINDOW_MS)), refusals, maxWindowTokens: Math.max(...perWindow.values()) };
}

const redis = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
try {
  for (const mode of ['old', 'new'] as const) {
    const o = await run(redis, mode, 42);
    process.stdout.write(
      `${mode}: ${CALLS} calls, ${o.tokens.toLocaleString('en-US')} tokens in ${(o.elapsedMs / WINDOW_MS).toFixed(2)} windows → ${(o.share * 100).toFixed(1)} % of the token allowance; ${o.refusals} refusals; busiest window ${o.maxWindowTokens.toLocaleString('en-US')} of ${TOKENS.toLocaleString('en-US')} tokens\n`,
    );
  }
} finally {
  redis.disconnect();
}
