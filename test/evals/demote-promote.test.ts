import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../../src/cli/commands/eval.js';
import { LearnedRatingStore } from '../../src/router/learned-rating-store.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import type { FrugalWorker } from '../../src/workers/frugal-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { resultsByJob } from '../support/queries.js';
import { ROOMY_CATALOG, applyRatingsCommand, classifyJobs, runEvalCommand } from './support.js';

const env = useTestEnv();
// Llama 8B (catalog: basic at classify) answers half of the classifications with a wrong label.
const pipeline = usePipeline(env, { catalog: ROOMY_CATALOG, sim: { models: { 'llama-3.1-8b-instant': { wrongLabelRate: 0.5 } } } });

const routeOf = async (jobId: string) =>
  (await env.pool.query<{ route: { modelId: string; learnedRating: boolean; candidates: Array<{ modelId: string; lost?: string }> } }>('select route from jobs where job_id = $1', [jobId])).rows[0]!.route;

describe('a model worse at classify than its catalog rating claims', () => {
  let second: FrugalWorker;

  it('is detected by frugal eval: its interval excludes the claimed tier', async () => {
    // A second worker, already running, that only a notification can tell of a change (no periodic reload in the test's time).
    second = await pipeline.startWorker({ ratings: { reloadMs: 600_000 } });
    await pipeline.producer.producer.enqueue(classifyJobs(60, 'premium'));
    await pipeline.worker!.untilEmpty();
    const report = (await runEvalCommand(pipeline, { kind: 'classify', sample: 60, models: ['llama-3.1-8b'] })) as EvalReport;
    expect(report.reference).toBe('claude-haiku');
    const row = report.models.find((m) => m.model === 'llama-3.1-8b')!;
    expect(row.items).toBe(60);
    expect(row.agreement).toBeGreaterThan(0.3);
    expect(row.agreement).toBeLessThan(0.7);
    expect(row.upper).toBeLessThan(0.8);
    expect(row.disagreements[0]!.reason).toMatch(/label ".+", reference ".+"/);
  });

  it('is demoted by apply, and the next jobs route elsewhere in a worker already running', async () => {
    const applied = await applyRatingsCommand(pipeline);
    expect(applied).toEqual([expect.objectContaining({ model: 'llama-3.1-8b', kind: 'classify', change: 'demote', currentRating: 'basic', learnedRating: 'none' })]);
    await waitFor(() => second.runtime.ratings!.current.get('llama-3.1-8b')?.classify === 'none', { what: 'the running worker to learn the demotion' });
    await pipeline.worker!.close();
    const jobs = classifyJobs(5, 'basic', 'after-demotion ');
    await pipeline.producer.producer.enqueue(jobs);
    await second.untilEmpty();
    const results = await resultsByJob(env.pool);
    for (const job of jobs) {
      expect(results.get(jobIdFor(job))?.model).not.toBe('llama-3.1-8b');
      const route = await routeOf(jobIdFor(job));
      expect(route.learnedRating).toBe(true);
      expect(route.candidates.find((c) => c.modelId === 'llama-3.1-8b')?.lost).toBe('it is not used for classify (learned)');
    }
  });

  it('routes as the catalog says again after ratings reset', async () => {
    expect(await new LearnedRatingStore(env.pool).reset()).toBe(1);
    await waitFor(() => second.runtime.ratings!.current.size === 0, { what: 'the running worker to learn the reset' });
    const jobs = classifyJobs(3, 'basic', 'after-reset ');
    await pipeline.producer.producer.enqueue(jobs);
    await second.untilEmpty();
    const results = await resultsByJob(env.pool);
    for (const job of jobs) {
      expect(results.get(jobIdFor(job))?.model).toBe('llama-3.1-8b');
      expect((await routeOf(jobIdFor(job))).learnedRating).toBe(false);
    }
  });
});
