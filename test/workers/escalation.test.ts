import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { ledgerOf, resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// Groq's 8B answers every structured request with broken JSON.
const pipeline = usePipeline(env, { sim: { models: { 'llama-3.1-8b-instant': { malformedJsonRate: 1 } } } });

describe('an answer that fails the output check', () => {
  it('goes to the next cheapest qualified model that has not failed, each call charged and recorded', async () => {
    const spec = parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: 'The app crashes when I log in', labels: ['billing', 'bug', 'other'] } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();

    const result = (await resultsByJob(env.pool)).get(jobIdFor(spec))!;
    const calls = await ledgerOf(env.pool, jobIdFor(spec));
    expect(calls.map((c) => [c.model, c.status])).toEqual([
      ['llama-3.1-8b', 'settled'],
      [result.model, 'settled'],
    ]);
    expect(result.model).not.toBe('llama-3.1-8b');
    expect(result.calls).toBe(2);
    expect(result.costMicros).toBe(calls.reduce((n, c) => n + c.costMicros!, 0));
  });
});
