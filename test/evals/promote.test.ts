import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../src/cli/commands/eval.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { resultsByJob } from '../support/queries.js';
import { ROOMY_CATALOG, classifyJobs, runEvalCommand } from './support.js';

const env = useTestEnv();
const pipeline = usePipeline(env, { catalog: ROOMY_CATALOG, worker: { ratings: { reloadMs: 600_000 } } });

describe('a model better at classify than its catalog rating claims', () => {
  it('is promoted by eval --apply and takes the cheaper jobs of the higher tier', async () => {
    const before = classifyJobs(1, 'advanced', 'before ')[0]!;
    await pipeline.producer.producer.enqueue([before, ...classifyJobs(80, 'premium')]);
    await pipeline.worker!.untilEmpty();
    const beforeModel = (await resultsByJob(env.pool)).get(jobIdFor(before))?.model;
    expect(beforeModel).not.toBe('llama-3.1-8b');

    const report = (await runEvalCommand(pipeline, { kind: 'classify', sample: 80, models: ['llama-3.1-8b'] }, { apply: true })) as EvalReport;
    const row = report.models[0]!;
    expect(row).toMatchObject({ model: 'llama-3.1-8b', items: 80, agreements: 80 });
    expect(row.lower).toBeGreaterThanOrEqual(0.95);
    expect(report.applied).toEqual([expect.objectContaining({ model: 'llama-3.1-8b', change: 'promote', currentRating: 'basic', learnedRating: 'advanced' })]);

    await waitFor(() => pipeline.worker!.runtime.ratings!.current.get('llama-3.1-8b')?.classify === 'advanced', { what: 'the worker to learn the promotion' });
    const after = classifyJobs(1, 'advanced', 'after ')[0]!;
    await pipeline.producer.producer.enqueue([after]);
    await pipeline.worker!.untilEmpty();
    const results = await resultsByJob(env.pool);
    expect(results.get(jobIdFor(after))?.model).toBe('llama-3.1-8b');
    // The same work now costs less than on the model that served the tier before.
    expect(results.get(jobIdFor(after))!.costMicros).toBeLessThan(results.get(jobIdFor(before))!.costMicros);
  });
});
