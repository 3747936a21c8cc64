import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/cli/format-log-line.js';
import { formatElapsed, formatWorkerProgress, formatWorkerSummary } from '../../src/cli/format-worker-progress.js';
import { StatusLine } from '../../src/cli/status-line.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';

const run = promisify(execFile);
const env = useTestEnv();
// Answers take 150 ms and two run at once, so the worker is busy long enough for its ticker to move.
const pipeline = usePipeline(env, { sim: { models: { '*': { latencyMs: 150 } } }, startWorker: false });

function workerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  delete clean.LOG_LEVEL;
  return { ...clean, DATABASE_URL: pipeline.config.databaseUrl, REDIS_URL: pipeline.config.redisUrl, FRUGAL_PREFIX: pipeline.config.queuePrefix, FRUGAL_SIM_URL: pipeline.sim.url, ...extra };
}

async function enqueue(n: number, tag: string): Promise<void> {
  const specs = Array.from({ length: n }, (_, i) => parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text: `${tag} message ${i}`, labels: ['a', 'b'] } }));
  await pipeline.producer.producer.enqueue(specs);
}

describe('the worker progress line (pure parts)', () => {
  it('shows done, failed, waiting (and for budget), spent in dollars and elapsed time', () => {
    const line = formatWorkerProgress({ done: 1200, failed: 3, waiting: 45, waitingForBudget: 12, spentMicros: 41_200, elapsedMs: 112_000 });
    expect(line).toBe('done 1,200 · failed 3 · waiting 45 (12 for budget) · spent $0.04 · 1m 52s');
  });

  it('formats elapsed times in seconds, minutes and hours', () => {
    expect([formatElapsed(9_400), formatElapsed(944_000), formatElapsed(3 * 3_600_000 + 4 * 60_000)]).toEqual(['9s', '15m 44s', '3h 04m']);
  });

  it('says at exit what the worker did', () => {
    expect(formatWorkerSummary({ done: 59, failed: 0, waiting: 0, waitingForBudget: 0, spentMicros: 3_859, elapsedMs: 61_000 }, 42)).toBe('frugal worker 42: 59 job(s) done, 0 failed, $0.003859 spent in 1m 01s');
  });

  it('turns a JSON log line into one a person reads', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 11, 1, 21, 4, 5), pid: 7, msg: 'waking jobs failed', err: 'timeout' });
    expect(formatLogLine(line, 'UTC')).toBe('21:04:05 WARN waking jobs failed (err=timeout)');
  });

  it('prints log lines above the status line and redraws the status under them', () => {
    const written: string[] = [];
    const status = new StatusLine({ write: (text: string) => written.push(text), isTTY: true, columns: 80 });
    status.set('done 1');
    status.print('a warning');
    status.clear();
    expect(written.join('')).toBe('\r\x1b[2Kdone 1\r\x1b[2Ka warning\ndone 1\r\x1b[2K');
  });
});

describe('frugal worker output', () => {
  it('on a terminal shows a ticker and a summary, and no JSON log lines', async () => {
    await enqueue(12, 'tty');
    // `script` gives the worker a pseudo-terminal, as a person at a shell would.
    const { stdout } = await run('script', ['-qefc', 'node bin/frugal.js worker --until-empty --concurrency 2', '/dev/null'], { env: workerEnv({ LOG_LEVEL: 'info' }), timeout: 60_000 });
    expect(stdout).toMatch(/\r\x1b\[2Kdone \d+ · failed 0 · waiting \d+ · spent \$[\d.]+ · \d+s/);
    expect(stdout).toMatch(/frugal worker \d+: 12 job\(s\) done, 0 failed, \$0\.\d+ spent in \d+s/);
    expect(stdout).not.toMatch(/\{"level"/);
  });

  it('elsewhere writes JSON log lines and the same summary, without a ticker', async () => {
    await enqueue(3, 'pipe');
    const { stderr } = await run(process.execPath, ['bin/frugal.js', 'worker', '--until-empty', '--concurrency', '2'], { env: workerEnv({ LOG_LEVEL: 'info' }), timeout: 60_000 });
    expect(stderr).toMatch(/^\{"level":30,/m);
    expect(stderr).toMatch(/frugal worker \d+: 3 job\(s\) done, 0 failed/);
    expect(stderr).not.toContain('\r');
  });
});
