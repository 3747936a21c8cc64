import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exportResults, listResults } from '../../src/cli/commands/results.js';
import { CliContext } from '../../src/cli/context.js';
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
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text, maxWords: 200, source: 'reports/depots.txt' } });
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
    // The document's result shows what the document cost in all, and its parts name their source.
    const ctx = new CliContext(pipeline.config);
    try {
      const { rows: spent } = await env.pool.query<{ own: string; all: string }>(
        `select sum(cost_micros) filter (where job_id = $1) as own, sum(cost_micros) as "all" from ledger
         where (job_id = $1 or job_id in (select job_id from jobs where parent_id = $1)) and status in ('settled', 'closed_as_spent')`,
        [jobId],
      );
      const listed = await listResults(ctx, { kind: 'summarize' });
      const document = listed.results.find((r) => r.jobId === jobId)!;
      expect(document.costMicros, 'the result keeps its own calls').toBe(Number(spent[0]!.own));
      expect(document.totalCostMicros, 'parts included').toBe(Number(spent[0]!.all));
      expect(document.totalCostMicros).toBeGreaterThan(document.costMicros);
      const parts = (await listResults(ctx, { kind: 'summarize', parts: true, limit: 100 })).results.filter((r) => r.parentId === jobId);
      expect(parts.length).toBe(children.length);
      for (const part of parts) expect(part.source).toBe('reports/depots.txt');
      const out = new PassThrough();
      let exported = '';
      out.on('data', (chunk: Buffer) => (exported += chunk.toString('utf8')));
      await exportResults(ctx, out, { kind: 'summarize' });
      const line = exported.trim().split('\n').map((l) => JSON.parse(l) as { jobId: string; totalCostMicros: number }).find((r) => r.jobId === jobId);
      expect(line?.totalCostMicros).toBe(document.totalCostMicros);
    } finally {
      await ctx.close();
    }
    // Every call's prompt fitted its model's window: none was refused for length.
    expect(pipeline.sim.stats().byStatus['400'] ?? 0).toBe(0);
  });
});
