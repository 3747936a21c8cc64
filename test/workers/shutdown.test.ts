import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { budgetsMatchLedger, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
// Every answer takes 400 ms, so a batch is still running when the worker is told to stop.
const pipeline = usePipeline(env, { sim: { models: { '*': { latencyMs: 400 } } }, startWorker: false });

describe('a worker told to stop (SIGTERM)', () => {
  it('finishes and settles its running jobs, takes no new ones, and exits cleanly', async () => {
    const specs = Array.from({ length: 40 }, (_, i) => parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `Message ${i}`, labels: ['a', 'b'] } }));
    await pipeline.producer.producer.enqueue(specs);
    const child = spawn(process.execPath, ['bin/frugal.js', 'worker', '--concurrency', '5'], {
      env: { ...process.env, DATABASE_URL: pipeline.config.databaseUrl, REDIS_URL: pipeline.config.redisUrl, FRUGAL_PREFIX: pipeline.config.queuePrefix, FRUGAL_SIM_URL: pipeline.sim.url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(async () => (await env.pool.query(`select 1 from ledger where status = 'reserved'`)).rowCount! > 0, { what: 'calls in flight' });

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/SIGTERM: finishing running jobs/);

    const { rows } = await env.pool.query<{ status: string; n: number }>('select status, count(*)::int as n from ledger group by status');
    expect(rows.find((r) => r.status === 'reserved'), 'nothing left reserved').toBeUndefined();
    const settled = rows.find((r) => r.status === 'settled')?.n ?? 0;
    const results = (await env.pool.query<{ n: number }>('select count(*)::int as n from results')).rows[0]!.n;
    expect(results).toBe(settled);
    expect(results).toBeGreaterThan(0);
    expect(results, 'it stopped taking jobs').toBeLessThan(specs.length);
    for (const row of await budgetsMatchLedger(env.pool)) expect(row.spent).toBe(row.ledger);
  });
});
