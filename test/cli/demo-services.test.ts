import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDemo, runDemo } from '../../src/cli/commands/demo.js';
import { isRunning } from '../../src/cli/throwaway-services.js';
import { loadConfig } from '../../src/config.js';

const outDir = mkdtempSync(join(tmpdir(), 'frugal-demo-services-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));


describe('the demo on a machine with nothing running', () => {
  it('starts its own Redis and Postgres, finishes the tour, and leaves no process or folder behind', async () => {
    // Port 1 on loopback: nothing listens there, as on a fresh laptop.
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/frugal', LOG_LEVEL: 'silent' });
    const lines: string[] = [];
    const result = await runDemo({ config, out: outDir, progress: false, narrate: (line) => lines.push(line) });

    expect(result.startedServices.started).toHaveLength(2);
    expect(result.startedServices.started.join('\n')).toMatch(/redis-server on 127\.0\.0\.1:\d+/);
    expect(result.startedServices.started.join('\n')).toMatch(/Postgres cluster on 127\.0\.0\.1:\d+/);
    expect(lines.filter((l) => l.startsWith('started '))).toHaveLength(2);
    expect(result.jobs).toMatchObject({ enqueued: 22, completed: 22, failed: 0 });
    expect(result.budget.spentMicros).toBe(result.totalMicros);
    expect(formatDemo(result)).toContain('its data went with them');

    expect(result.startedServices.pids.length).toBe(2);
    for (const pid of result.startedServices.pids) expect(isRunning(pid), `process ${pid} still running`).toBe(false);
    for (const folder of result.startedServices.folders) expect(existsSync(folder), `${folder} left behind`).toBe(false);
  }, 180_000);
});
