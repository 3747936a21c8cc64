import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { resultsByJob, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// The simulator also serves the self-hosted endpoint (FRUGAL_LOCAL_URL), as Ollama would.
const pipeline = usePipeline(env, { local: true });
const text = 'The contract with Brightlane renews in May. The fee rises by four percent. Legal wants the data clause reviewed.';

describe('private jobs', () => {
  it('go only to the self-hosted model and never reach a hosted provider', async () => {
    pipeline.sim.reset();
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', private: true, payload: { text: text } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();
    expect((await resultsByJob(env.pool)).get(jobIdFor(spec))?.model).toBe('local-llama');
    expect(Object.keys(pipeline.sim.stats().models)).toEqual(['llama3.1:8b']);
  });

  it('fail without any call when no self-hosted model meets their tier', async () => {
    pipeline.sim.reset();
    const spec = parseJobSpec({ kind: 'summarize', tier: 'premium', private: true, payload: { text: `${text} Secret.` } });
    await pipeline.producer.producer.enqueue([spec]);
    await pipeline.worker!.untilEmpty();
    const { rows } = await env.pool.query<{ status: string; error: string }>('select status, error from jobs where job_id = $1', [jobIdFor(spec)]);
    expect(rows[0]).toMatchObject({ status: 'failed' });
    expect(rows[0]!.error).toMatch(/no model can take this job.*private job: hosted providers are not allowed/);
    expect(pipeline.sim.stats().requests).toBe(0);
  });
});
