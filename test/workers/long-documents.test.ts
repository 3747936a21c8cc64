import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { countTokens } from '../../src/pricing/tokenizer.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const WINDOW = 1_500;
const small = { contextWindow: WINDOW, maxOutputTokens: 1_000 };
const pipeline = usePipeline(env, {
  catalog: { models: { 'llama-3.1-8b': small, 'llama-3.3-70b': small, 'gpt-4o-mini': small, 'claude-haiku': { ...small, longContext: null }, 'gemini-flash': small } },
});

function document(tokens: number): string {
  const paragraphs: string[] = [];
  for (let i = 0; countTokens(paragraphs.join('\n\n'), 'cl100k_base') < tokens; i++) {
    paragraphs.push(`Section ${i} reports that depot ${i % 7} moved ${100 + i} pallets. The crew fixed conveyor ${i}. Customers rated week ${i} at ${70 + (i % 30)} points. Fuel use fell by ${i % 9} percent.`);
  }
  return paragraphs.join('\n\n');
}

describe('a document longer than every window', () => {
  it('is summarized map-reduce, reducing again until the summaries fit', async () => {
    const text = document(3 * WINDOW + 200);
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text, maxWords: 200 } });
    const [outcome] = await pipeline.producer.producer.enqueue([spec]);
    expect(outcome!.chunks).toBeGreaterThanOrEqual(4);
    await pipeline.worker!.untilEmpty();

    const jobId = jobIdFor(spec);
    const { rows: parent } = await env.pool.query<{ output_text: string }>('select output_text from results where job_id = $1', [jobId]);
    expect(parent).toHaveLength(1);
    expect(parent[0]!.output_text.length).toBeGreaterThan(0);
    expect(countTokens(parent[0]!.output_text, 'cl100k_base')).toBeLessThan(countTokens(text, 'cl100k_base') / 3);

    const { rows: children } = await env.pool.query<{ job_id: string }>('select job_id from jobs where parent_id = $1 and status = $2', [jobId, 'completed']);
    const levels = new Set(children.map((c) => /-L(\d+)-\d+$/.exec(c.job_id)![1]));
    expect(levels.has('0'), 'chunk summaries of the document').toBe(true);
    expect(levels.has('1'), 'a second reduce level over the chunk summaries').toBe(true);
    // Every call's prompt fitted its model's window: none was refused for length.
    expect(pipeline.sim.stats().byStatus['400'] ?? 0).toBe(0);
  });
});
