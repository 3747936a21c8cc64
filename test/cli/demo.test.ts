import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDemo, runDemo } from '../../src/cli/commands/demo.js';
import { loadConfig, type Config } from '../../src/config.js';
import { deleteKeys, useTestEnv } from '../support/env.js';
import { dropTestDatabase } from '../support/services.js';

const env = useTestEnv();
let config: Config;
let database: string;
let prefix: string;
let outDir: string;

beforeAll(() => {
  // The demo makes its own database beside this file's (same name stem, so a crashed run's
  // leftover is dropped with the other stale test databases).
  database = `${new URL(env.databaseUrl).pathname.slice(1)}_demo`;
  prefix = `${env.prefix}-demo`;
  outDir = mkdtempSync(join(tmpdir(), 'frugal-demo-'));
  config = loadConfig({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, LOG_LEVEL: 'silent' });
});

afterAll(async () => {
  await deleteKeys(env.redis, `${prefix}:*`);
  await dropTestDatabase(database);
  rmSync(outDir, { recursive: true, force: true });
});

describe('frugal demo', () => {
  it('runs the sample corpus through the simulator with no API key, and writes the day\'s report', async () => {
    const result = await runDemo({ config, database, prefix, out: outDir, progress: false });
    expect(result.providers).toBe('simulator');
    expect(result.reset).toBe(true);
    // 13 documents to summarize plus the 9 extract and classify jobs of examples/jobs.jsonl.
    expect(result.jobs).toMatchObject({ enqueued: 22, alreadyDone: 0, completed: 22, failed: 0, waitingForBudget: 0 });
    // The long document was split for map-reduce at the demo's 1,500-token chunks.
    expect(result.jobs.longDocumentChunks).toBeGreaterThanOrEqual(6);
    expect(result.spendByModel.map((r) => r.key).sort()).toEqual(['claude-haiku', 'gpt-4o-mini', 'llama-3.1-8b']);
    expect(result.budget.spentMicros).toBe(result.totalMicros);
    expect(result.budget.spentMicros).toBeLessThan(result.budget.limitMicros);
    // The demo budget is sized so that its first alerts fire and its hard limit still leaves room.
    expect(result.alerts.map((a) => a.threshold)).toContain(25);
    expect(result.alerts.every((a) => a.threshold < 100)).toBe(true);
    expect(result.report.path).not.toBeNull();
    expect(existsSync(result.report.path!)).toBe(true);
    expect(readFileSync(result.report.path!, 'utf8')).toContain('## Executive summary');
    expect(result.report.summary).toBe('written');
    expect(result.report.savingMicros).toBeGreaterThan(0);
    const text = formatDemo(result);
    expect(text).toContain('The providers were simulated');
    expect(text).toContain(result.report.path!);
  });

  it('reports the jobs as already done and calls nothing for them when run again with --keep', async () => {
    const before = await runDemo({ config, database, prefix, out: outDir, progress: false, keep: true });
    expect(before.reset).toBe(false);
    expect(before.jobs).toMatchObject({ enqueued: 22, alreadyDone: 22, completed: 22, failed: 0 });
    const jobCalls = before.spendByModel.reduce((sum, r) => sum + r.calls, 0);
    // The first run's calls, plus at most the new report summary: no job was called again.
    const again = await runDemo({ config, database, prefix, out: outDir, progress: false, keep: true });
    expect(again.spendByModel.reduce((sum, r) => sum + r.calls, 0)).toBeLessThanOrEqual(jobCalls + 1);
  });
});
