import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { ledgerOf, resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// The catalog believes GPT-4o mini takes 128k tokens, but the provider refuses anything over 20:
// the provider's context-length error must reroute the job, not fail it.
const pipeline = usePipeline(env, {
  catalog: { models: { 'claude-haiku': { inputPerMillion: 1, outputPerMillion: 5 } } },
  sim: { models: { 'gpt-4o-mini': { contextWindow: 20 } } },
});

describe("a provider's context-length error", () => {
  it('reroutes the job to a model with a larger window, releasing the refused call', async () => {
    const spec = parseJobSpec({ kind: 'summarize', tier: 'standard', payload: { text: 'The audit found three gaps in the badge system. Two doors logged no entries. One reader accepted expired cards.' } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();

    const calls = await ledgerOf(env.pool, jobIdFor(spec));
    expect(calls[0]).toMatchObject({ model: 'gpt-4o-mini', status: 'released' });
    expect(calls).toHaveLength(2);
    const result = (await resultsByJob(env.pool)).get(jobIdFor(spec))!;
    expect(result.model).not.toBe('gpt-4o-mini');
    expect(calls[1]).toMatchObject({ model: result.model, status: 'settled' });
  });
});
