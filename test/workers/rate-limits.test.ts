import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// Groq's 8B answers 4 requests per 500 ms window and 429s the rest; frugal's own limiter is told
// nothing, so every 429 comes from the provider.
const pipeline = usePipeline(env, {
  sim: { windowMs: 500, models: { 'llama-3.1-8b-instant': { requestsPerWindow: 4 } } },
  catalog: { models: { 'llama-3.1-8b': { rateLimits: { rpm: null, tpm: null } } } },
});

describe('a 429 storm', () => {
  it('slows the provider without failing jobs or burning attempts', async () => {
    const specs = Array.from({ length: 24 }, (_, i) => parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Ticket ${i}: my invoice is wrong`, labels: ['billing', 'bug'] } }));
    await pipeline.producer.producer.enqueue(specs);
    await pipeline.worker!.untilEmpty();

    const results = await resultsByJob(env.pool);
    for (const spec of specs) expect(results.get(jobIdFor(spec))?.model).toBe('llama-3.1-8b');
    const stats = pipeline.sim.stats().models['llama-3.1-8b-instant']!;
    expect(stats.byStatus['429']).toBeGreaterThan(0);
    expect(stats.byStatus['200']).toBe(specs.length);
    for (const spec of specs) {
      const job = await pipeline.worker!.runtime.queue.getJob(jobIdFor(spec));
      expect(job?.attemptsMade, 'a 429 must not use up an attempt: each job completes on its first').toBe(1);
    }
    const { rows } = await env.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from ledger group by status order by status');
    // Every 429 released its reservation: it was never billed.
    expect(rows).toEqual([
      { status: 'released', n: stats.byStatus['429'] },
      { status: 'settled', n: specs.length },
    ]);
  });
});
