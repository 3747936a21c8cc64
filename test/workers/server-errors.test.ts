import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// Groq's 8B answers every request with a 500.
const pipeline = usePipeline(env, {
  sim: { models: { 'llama-3.1-8b-instant': { errorRates: { '500': 1 } } } },
  worker: { health: { failureThreshold: 3, cooldownMs: 60_000 } },
});

describe('a provider answering 500s', () => {
  it('is cooled down and its jobs fall back to the next cheapest eligible model', async () => {
    const specs = Array.from({ length: 6 }, (_, i) => parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: `Shift report ${i}. The dock was busy. Two trucks left late.` } }));
    await pipeline.producer.producer.enqueue(specs);
    await pipeline.worker!.untilEmpty();

    const results = await resultsByJob(env.pool);
    const next = pipeline.catalog.list().filter((m) => m.id !== 'llama-3.1-8b');
    for (const spec of specs) {
      const model = results.get(jobIdFor(spec))?.model;
      expect(model).toBeDefined();
      expect(next.map((m) => m.id)).toContain(model);
    }
    expect(pipeline.worker!.runtime.health.state('groq').state).toBe('cooling');
    const failures = pipeline.sim.stats().models['llama-3.1-8b-instant']!.byStatus['500'];
    // Three failures start the cool-down; no call reaches Groq after it (a few were in flight).
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(failures).toBeLessThan(3 + 16);
    const { rows } = await env.pool.query<{ n: number }>(`select count(*)::int as n from ledger where model = 'llama-3.1-8b' and status <> 'released'`);
    expect(rows[0]!.n, 'a 500 is not billed: its reservation is released').toBe(0);
  });
});
