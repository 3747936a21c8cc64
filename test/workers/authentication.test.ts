import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { ledgerOf, resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// The simulated OpenAI wants a key frugal does not have.
const pipeline = usePipeline(env, {
  catalog: { models: { 'claude-haiku': { inputPerMillion: 1, outputPerMillion: 5 } } },
  sim: { keys: { openai: 'the-right-key' } },
});

describe('a provider rejecting its API key', () => {
  it('is disabled for every worker and its jobs reroute', async () => {
    const specs = [0, 1, 2].map((i) => parseJobSpec({ kind: 'summarize', tier: 'standard', payload: { text: `Branch ${i} closed early. The alarm was tested. Keys were returned.` } }));
    await pipeline.producer.producer.enqueue(specs);
    await pipeline.worker!.untilEmpty();

    expect(pipeline.worker!.runtime.health.state('openai')).toMatchObject({ state: 'disabled', reason: 'authentication failed' });
    const results = await resultsByJob(env.pool);
    for (const spec of specs) {
      expect(results.get(jobIdFor(spec))?.model).not.toBe('gpt-4o-mini');
      for (const call of await ledgerOf(env.pool, jobIdFor(spec))) {
        if (call.model === 'gpt-4o-mini') expect(call.status, 'a refused key is never billed').toBe('released');
      }
    }
    // Once disabled, nothing more is sent to OpenAI.
    expect(pipeline.sim.stats().models['gpt-4o-mini']!.requests).toBeLessThanOrEqual(specs.length);
  });
});
