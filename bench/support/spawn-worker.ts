import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, stopChild } from './sim-process.js';
import type { WorkerChildMessage, WorkerChildOptions, WorkerParentMessage, WorkerStats } from './worker-protocol.js';

export const WORKER_SCRIPT = join(REPO_ROOT, 'bench/support/worker-process.ts');

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  stats(): Promise<WorkerStats>;
  /** Zeroes the counters (and timings) of the child. */
  reset(): Promise<void>;
  /** Runs a full garbage collection in the child (started with --expose-gc), then its stats. */
  gc(): Promise<WorkerStats>;
  /** Graceful close: running jobs finish, pending writes are flushed; SIGKILL after `graceMs` (default 60 s). */
  close(graceMs?: number): Promise<void>;
  /** Sends a signal (e.g. SIGKILL: no clean-up at all) and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resolves with the exit code or signal when the child exits. */
  exited: Promise<number | NodeJS.Signals | null>;
}

export interface SpawnWorkerOptions {
  /** Extra node flags, e.g. `--cpu-prof`, `--expose-gc`. */
  nodeArgs?: string[];
  /** Where the child's stderr goes: `inherit`, or `ignore` (default, unless FRUGAL_BENCH_DEBUG is set). */
  stderr?: 'inherit' | 'ignore';
}

/**
 * Starts bench/support/worker-process.ts as a child process with `env` (the worker's whole
 * configuration) and `options`, and resolves once its worker is running.
 */
export async function spawnWorker(env: Record<string, string>, options: WorkerChildOptions = {}, spawnOptions: SpawnWorkerOptions = {}): Promise<WorkerProcess> {
  const stderr = spawnOptions.stderr ?? (process.env.FRUGAL_BENCH_DEBUG ? 'inherit' : 'ignore');
  const child = fork(WORKER_SCRIPT, [JSON.stringify(options)], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', ...(spawnOptions.nodeArgs ?? [])],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const waiting = new Map<string, Array<(message: WorkerChildMessage) => void>>();
  child.on('message', (raw) => {
    const message = raw as WorkerChildMessage;
    const next = waiting.get(message.type)?.shift();
    next?.(message);
  });
  const expect = (type: WorkerChildMessage['type'], timeoutMs = 60_000): Promise<WorkerChildMessage> =>
    new Promise((resolve, reject) => {
      const list = waiting.get(type) ?? [];
      waiting.set(type, list);
      const timer = setTimeout(() => reject(new Error(`worker ${child.pid} did not answer "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (): void => {
        clearTimeout(timer);
        reject(new Error(`worker ${child.pid} exited while the parent waited for "${type}"`));
      };
      child.once('exit', onExit);
      list.push((message) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(message);
      });
    });
  const request = async (message: WorkerParentMessage, answer: WorkerChildMessage['type']): Promise<WorkerChildMessage> => {
    const answered = expect(answer);
    child.send(message);
    return answered;
  };
  await expect('ready');
  return {
    pid: child.pid!,
    child,
    stats: async () => ((await request({ type: 'stats' }, 'stats')) as { stats: WorkerStats }).stats,
    reset: async () => {
      await request({ type: 'reset' }, 'reset');
    },
    gc: async () => ((await request({ type: 'gc' }, 'gc')) as { stats: WorkerStats }).stats,
    close: async (graceMs = 60_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'close' } satisfies WorkerParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (signal === 'SIGTERM') return stopChild(child);
      child.kill(signal);
      await exited;
    },
    exited,
  };
}
