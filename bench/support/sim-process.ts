import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimConfig, SimConfigPatch } from '../../src/providers/sim/sim-config.js';
import type { SimStats } from '../../src/providers/sim/sim-stats.js';
import { writeTempFile } from './temp-file.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, 'src/cli/main.ts');

export interface SimProcessOptions {
  /** Initial knobs (written to a temporary config file for `frugal sim --config`). */
  config?: SimConfigPatch;
  /** Extra environment, e.g. FRUGAL_CATALOG so the simulator counts tokens as the catalog says. */
  env?: Record<string, string>;
}

export interface SimProcess {
  url: string;
  pid: number;
  configure(patch: SimConfigPatch): Promise<SimConfig>;
  stats(): Promise<SimStats>;
  reset(): Promise<void>;
  /** Stops the simulator (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Runs the provider simulator in its own process (`frugal sim --port 0`), so its CPU time is not
 * the measured worker's, and talks to it over its `/_sim/*` endpoints.
 */
export async function spawnSimulator(options: SimProcessOptions = {}): Promise<SimProcess> {
  const args = ['--import', 'tsx', CLI_MAIN, 'sim', '--port', '0'];
  if (options.config) {
    args.push('--config', writeTempFile('frugal-bench-sim', JSON.stringify(options.config)));
  }
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const found = /listening on (https?:\/\/\S+)/.exec(out.replace(/\u001b\[[0-9;]*m/g, ''));
      if (found) {
        child.stdout!.off('data', onData);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before listening: ${err.trim()}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();

  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const parsed = (await res.json()) as T;
    if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
    return parsed;
  };

  return {
    url,
    pid: child.pid!,
    configure: (patch) => call<SimConfig>('POST', '/_sim/config', patch),
    stats: () => call<SimStats>('GET', '/_sim/stats'),
    reset: async () => {
      await call('POST', '/_sim/reset');
    },
    close: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
