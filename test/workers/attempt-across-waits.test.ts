import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { ProviderLimiter } from '../../src/workers/provider-limiter.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { expectResultsEqualLedger, ledgerOf, resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const WINDOW_MS = 8_000;
const env = useTestEnv();
useResultsLedgerCheck(env);
// The reproduction: an advanced classify job, gpt-4o-mini (made the cheapest) answers bad
// JSON, and the next cheapest qualified model, Claude Haiku, is held back by frugal's own limiter.
const pipeline = usePipeline(env, {
  catalog: {
    models: {
      'gpt-4o-mini': { inputPerMillion: 0.01, outputPerMillion: 0.01 },
      'claude-haiku': { rateLimits: { rpm: 1, windowSeconds: WINDOW_MS / 1000 } },
    },
  },
  sim: { models: { 'gpt-4o-mini': { malformedJsonRate: 1 } } },
});

/** Takes Claude Haiku's one request of the current limiter window, leaving at least 6 s of it (a cold worker takes seconds to reach Haiku). */
async function fillHaikusWindow(): Promise<void> {
  const limiter = new ProviderLimiter(env.redis, pipeline.config.queuePrefix, () => ({ requests: 1, tokens: 50_000, windowMs: WINDOW_MS }));
  // The window the previous job's Haiku call used is full already: take the next one's slot.
  await waitFor(async () => Date.now() % WINDOW_MS < 2_000 && (await limiter.acquire('claude-haiku', 1)).ok, {
    timeoutMs: WINDOW_MS * 3,
    intervalMs: 50,
    what: "Haiku's slot at the start of a limiter window",
  });
}

async function runHeldBackJob(text: string) {
  const spec = parseJobSpec({ kind: 'classify', tier: 'advanced', payload: { text, labels: ['billing', 'bug', 'other'] } });
  await fillHaikusWindow();
  await pipeline.producer.producer.enqueue([spec]);
  await pipeline.worker!.untilEmpty();
  const jobId = jobIdFor(spec);
  return { jobId, result: (await resultsByJob(env.pool)).get(jobId), calls: await ledgerOf(env.pool, jobId) };
}

describe('an attempt that waits for the rate limiter', () => {
  it("counts the calls charged before the wait in the result's cost and calls", async () => {
    const { result, calls } = await runHeldBackJob('I was charged twice for my subscription this month.');
    expect(calls.map((c) => [c.model, c.status])).toEqual([
      ['gpt-4o-mini', 'settled'],
      ['claude-haiku', 'released'], // no slot: the job was delayed
      ['claude-haiku', 'settled'],
    ]);
    expect(result).toBeDefined();
    expect(result!.model).toBe('claude-haiku');
    expect(result!.calls).toBe(2);
    expect(result!.costMicros).toBe(calls[0]!.costMicros! + calls[2]!.costMicros!);
    expect(await expectResultsEqualLedger(env.pool)).toBeGreaterThan(0);
  });

  it('does not call again, after the wait, the model whose answer already failed the check', async () => {
    const before = pipeline.sim.stats().models['gpt-4o-mini']?.requests ?? 0;
    const { result, calls } = await runHeldBackJob('The export button does nothing when I click it.');
    expect(pipeline.sim.stats().models['gpt-4o-mini']!.requests - before).toBe(1);
    expect(calls.filter((c) => c.model === 'gpt-4o-mini')).toHaveLength(1);
    expect(result!.model).toBe('claude-haiku');
    expect(await expectResultsEqualLedger(env.pool)).toBeGreaterThan(0);
  });
});
