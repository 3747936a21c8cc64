import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestEnv, waitFor } from '../support/env.js';
import { parseMetrics } from './metrics-text.js';

const env = useTestEnv();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];

function frugal(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['bin/frugal.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, LOG_LEVEL: 'silent', NO_COLOR: '1' },
  });
  children.push(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('frugal worker --metrics-port', () => {
  it('serves the worker\'s metrics and readiness, and a second worker on the same port stops naming it', async () => {
    const port = await freePort();
    const first = frugal(['worker', '--metrics-port', String(port)]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, { what: `the worker's /readyz (output: ${first.output()})`, timeoutMs: 60_000, intervalMs: 200 });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const declared = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(declared).toEqual(['frugal_call_duration_seconds histogram', 'frugal_calls_total counter', 'frugal_jobs_total counter', 'frugal_limiter_wait_seconds histogram']);
    expect(parseMetrics(text)).toEqual([]); // no job yet: no samples, and never a job id

    const second = frugal(['worker', '--metrics-port', String(port)]);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`cannot listen on 127.0.0.1:${port}: the port is taken`);
    expect(second.output()).not.toMatch(/\n\s+at /); // one line, no stack trace

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  }, 120_000);
});
