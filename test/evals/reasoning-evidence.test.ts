import { describe, expect, it } from 'vitest';
import { proposeRatings } from '../../src/evals/propose-ratings.js';
import { reasoningKey } from '../../src/evals/reasoning-key.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { loadConfig } from '../../src/config.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
const catalog = loadCatalog(loadConfig({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, LOG_LEVEL: 'silent' }));

async function addItems(runId: number, model: string, reasoning: string, n: number, agree: boolean): Promise<void> {
  for (let i = 0; i < n; i++) {
    await env.pool.query(
      `insert into eval_items (run_id, job_id, kind, model, reasoning, reference, agree, reason) values ($1, $2, 'classify', $3, $4, 'claude-haiku', $5, 'test')`,
      [runId, `${reasoning}-${i}`, model, reasoning, agree],
    );
  }
}

describe('learned ratings per reasoning setting', () => {
  it('names each model\'s reasoning setting per kind, and none for models without one', () => {
    expect(reasoningKey(catalog.require('gemini-flash'), 'classify')).toBe('thinkingBudget=0');
    expect(reasoningKey(catalog.require('claude-haiku'), 'classify')).toMatch(/^effort=\w+,thinking=\w+$/);
    expect(reasoningKey(catalog.require('gpt-4o-mini'), 'classify')).toBe('');
  });

  it('counts only the eval items gathered under the reasoning setting in force', async () => {
    const { rows } = await env.pool.query<{ id: number }>(`insert into eval_runs (kind, reference, models, params) values ('classify', 'claude-haiku', '{gemini-flash}', '{}') returning id`);
    const runId = rows[0]!.id;
    // 80 disagreeing items under a thinking setting Gemini no longer runs classify with, 60 agreeing under the current one.
    await addItems(runId, 'gemini-flash', 'thinkingBudget=1024', 80, false);
    await addItems(runId, 'gemini-flash', reasoningKey(catalog.require('gemini-flash'), 'classify'), 60, true);
    const proposals = await proposeRatings(env.pool, catalog, new Map(), { kind: 'classify' });
    const gemini = proposals.find((p) => p.model === 'gemini-flash')!;
    expect(gemini.items).toBe(60);
    expect(gemini.agreement).toBe(1);
    expect(gemini.change).not.toBe('demote');
  });
});
