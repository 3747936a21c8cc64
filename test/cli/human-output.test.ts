import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTableTime, formatTime, timeHeader } from '../../src/cli/format-time.js';
import type { PremiumFigures } from '../../src/reports/report-figures.js';
import { explainNegativeSaving } from '../../src/reports/explain-negative-saving.js';
import { useTestEnv } from '../support/env.js';

const run = promisify(execFile);
const env = useTestEnv();

async function frugal(args: string[], tz: string): Promise<string> {
  const vars = { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, LOG_LEVEL: 'silent', NO_COLOR: '1', TZ: tz };
  const { stdout } = await run(process.execPath, ['bin/frugal.js', ...args], { env: vars });
  return stdout;
}

beforeAll(async () => {
  await env.pool.query(`insert into results (job_id, kind, model, output_text, cost_micros, calls, created_at) values ('job-a', 'summarize', 'claude-haiku', 'A summary.', 153, 1, '2026-12-01T21:04:05Z')`);
  await env.pool.query(
    `insert into jobs (job_id, kind, tier, status, error, finished_at, route) values ('job-f', 'classify', 'basic', 'failed', 'no model can take this job', '2026-12-01T21:05:00Z', '{"modelId":"gpt-4o-mini"}')`,
  );
});

describe('times in human output', () => {
  it('are local with the zone named, in one format', () => {
    const at = new Date('2026-12-01T21:04:05Z');
    expect(formatTime(at, 'Europe/Berlin')).toBe('2026-12-01 22:04 Europe/Berlin');
    expect(formatTableTime(at.toISOString(), 'America/New_York')).toBe('2026-12-01 16:04');
    expect(timeHeader('AT', 'UTC')).toBe('AT (UTC)');
    expect(formatTime(null)).toBe('-');
  });

  it('read the same in results and jobs failed, the zone in the column header', async () => {
    const results = await frugal(['results'], 'Europe/Berlin');
    expect(results).toContain('AT (Europe/Berlin)');
    expect(results).toContain('2026-12-01 22:04');
    const failed = await frugal(['jobs', 'failed'], 'Europe/Berlin');
    expect(failed).toContain('FAILED AT (Europe/Berlin)');
    expect(failed).toContain('2026-12-01 22:05');
    for (const out of [results, failed]) {
      expect(out).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(out).not.toContain('µ$');
    }
  });
});

describe('a report whose saving is negative', () => {
  const premium: PremiumFigures = {
    equivalentMicros: 900,
    actualMicros: 1_200,
    savingMicros: -300,
    savingPercent: -33.3,
    byKind: [
      { kind: 'classify', premiumModel: 'claude-haiku', actualMicros: 1_000, equivalentMicros: 600 },
      { kind: 'summarize', premiumModel: 'claude-haiku', actualMicros: 200, equivalentMicros: 300 },
    ],
  };

  it('explains it, naming the kind, both figures and what lets it happen', () => {
    expect(explainNegativeSaving(premium)).toBe(
      'Routing cost $0.0003 more than the premium model alone would have: classify calls cost $0.001 where claude-haiku would have cost $0.0006.' +
        ' The router takes the model with the lowest expected cost among those it may use at the time, so this happens when the premium model was unavailable' +
        ' (no API key, an unhealthy provider, a private job) or when actual usage differed from the estimates.',
    );
  });

  it('says nothing when routing saved money', () => {
    expect(explainNegativeSaving({ ...premium, savingMicros: 0 })).toBeUndefined();
  });
});
