import { describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { formatDrainOutcome } from '../../src/cli/format-drain-outcome.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { countTokens } from '../../src/pricing/tokenizer.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';

const env = useTestEnv();
const WINDOW = 1_500;
const small = { contextWindow: WINDOW, maxOutputTokens: 1_000 };
const pipeline = usePipeline(env, {
  catalog: { models: { 'llama-3.1-8b': small, 'llama-3.3-70b': small, 'gpt-4o-mini': small, 'claude-haiku': { ...small, longContext: null }, 'gemini-flash': small } },
});

function document(tokens: number): string {
  const paragraphs: string[] = [];
  for (let i = 0; countTokens(paragraphs.join('\n\n'), 'cl100k_base') < tokens; i++) {
    paragraphs.push(`Section ${i} reports that depot ${i % 7} moved ${100 + i} pallets. The crew fixed conveyor ${i}.`);
  }
  return paragraphs.join('\n\n');
}

/** Fails the test instead of hanging it when `promise` does not settle in time. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('worker --until-empty', () => {
  it('returns when a long document\'s parts wait for budget, not counting the document waiting for its parts', async () => {
    await new BudgetStore(env.pool).set({ name: 'starved', limitMicros: 1, period: 'day' });
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', budgets: ['starved'], payload: { text: document(2 * WINDOW + 200), maxWords: 100 } });
    const [outcome] = await pipeline.producer.producer.enqueue([spec]);
    expect(outcome!.chunks).toBeGreaterThanOrEqual(2);

    const drained = await within(pipeline.worker!.untilEmpty({ pollMs: 50 }), 20_000, 'untilEmpty');
    expect(drained.paused).toBe(false);
    expect(drained.waitingForBudget).toBe(outcome!.chunks);
    expect(drained.waitingUntil!.getTime(), 'the day budget looks again in its next period').toBeGreaterThan(Date.now());
    const parent = await pipeline.worker!.runtime.queue.getJob(jobIdFor(spec));
    expect(await parent!.getState()).toBe('waiting-children');
    expect(formatDrainOutcome(drained)).toMatch(new RegExp(`^queue drained: ${outcome!.chunks} waiting for budget \\(until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)`));
  });

  it('returns on a paused queue, saying the queue is paused and how many jobs it holds', async () => {
    await new BudgetStore(env.pool).set({ name: 'plenty', limitMicros: 10_000_000, period: 'day' });
    const queue = pipeline.worker!.runtime.queue;
    await queue.pause();
    const spec = parseJobSpec({ kind: 'classify', tier: 'basic', budgets: ['plenty'], payload: { text: 'The parcel came two weeks late', labels: ['damage', 'delay'] } });
    try {
      await pipeline.producer.producer.enqueue([spec]);
      const drained = await within(pipeline.worker!.untilEmpty({ pollMs: 50 }), 20_000, 'untilEmpty');
      expect(drained).toMatchObject({ paused: true, held: 1 });
      expect(formatDrainOutcome(drained)).toMatch(/queue paused with 1 job\(s\) held \(frugal queue resume\)/);
    } finally {
      await queue.resume();
    }
    await waitFor(async () => {
      const { rows } = await env.pool.query('select 1 from results where job_id = $1', [jobIdFor(spec)]);
      return rows.length === 1;
    }, { what: 'the held job to run once the queue is resumed' });
  });

  it('says plainly that the queue drained when nothing was left', () => {
    expect(formatDrainOutcome({ waitingForBudget: 0, inBatches: 0, paused: false, held: 0 })).toBe('queue drained');
    expect(formatDrainOutcome({ waitingForBudget: 0, inBatches: 3, paused: false, held: 0 })).toBe(
      'queue drained: 3 job(s) in provider batches (a later worker run collects them; frugal batches shows them)',
    );
  });
});
