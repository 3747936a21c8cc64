import { afterAll, beforeAll, expect } from 'vitest';
import { spawnWorker, type WorkerProcess } from '../../../bench/support/spawn-worker.js';
import type { WorkerChildOptions } from '../../../bench/support/worker-protocol.js';
import { BudgetStore } from '../../../src/budget/budget-store.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import type { RunningSimulator } from '../../../src/providers/sim/simulator.js';
import { waitFor, type TestEnv } from '../../support/env.js';
import { enqueueJobs, startTestSimulator } from './fault-setup.js';
import { TcpProxy } from './tcp-proxy.js';

/** Two worker processes, each reaching one service (Redis or Postgres) through its own TCP proxy that a test can cut. */
export interface PartitionedWorkers {
  /** The simulator, answering every call after `callMs`. */
  readonly sim: RunningSimulator;
  readonly proxies: TcpProxy[];
  readonly workers: WorkerProcess[];
  /** Environment of the test's own processes (the service reached directly). */
  readonly direct: Record<string, string>;
  /** Starts one worker per proxy, with the service reached through that proxy. */
  startWorkers(options: WorkerChildOptions): Promise<void>;
  /** Enqueues one job (on the `team` budget) and returns its id. */
  enqueue(spec: JobSpec): Promise<string>;
  /** Waits until a worker's call of the job is out at the provider, and cuts that worker's proxy. */
  cutTheCaller(jobId: string): Promise<TcpProxy>;
}

/** The set-up of a partition fault test file: the simulator, two proxies to `service`, a roomy `team` budget; everything stopped after the file. */
export function usePartitionedWorkers(env: TestEnv, options: { service: 'redis' | 'postgres'; callMs: number }): PartitionedWorkers {
  // The test env's URLs are known only once its beforeAll has run.
  const serviceUrl = () => (options.service === 'redis' ? env.redisUrl : env.databaseUrl);
  const variable = options.service === 'redis' ? 'REDIS_URL' : 'DATABASE_URL';
  const proxies: TcpProxy[] = [];
  const workers: WorkerProcess[] = [];
  let sim: RunningSimulator | undefined;
  const direct = () => ({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    FRUGAL_PREFIX: env.prefix,
    FRUGAL_SIM_URL: sim!.url,
    LOG_LEVEL: process.env.FRUGAL_BENCH_DEBUG ? 'info' : 'silent',
  });

  beforeAll(async () => {
    sim = await startTestSimulator({ models: { '*': { latencyMs: options.callMs } } });
    const url = new URL(serviceUrl());
    const port = Number(url.port || (options.service === 'redis' ? 6379 : 5432));
    for (let i = 0; i < 2; i++) proxies.push(await TcpProxy.start({ host: url.hostname, port }));
    await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 50_000_000, period: 'month' });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGKILL');
    for (const proxy of proxies) await proxy.close();
    await sim?.close();
  });

  return {
    get sim() {
      return sim!;
    },
    proxies,
    workers,
    get direct() {
      return direct();
    },
    async startWorkers(spawnOptions) {
      for (const proxy of proxies) workers.push(await spawnWorker({ ...direct(), [variable]: proxy.route(serviceUrl()) }, spawnOptions));
    },
    async enqueue(spec) {
      const [jobId] = await enqueueJobs(direct(), [spec]);
      return jobId!;
    },
    async cutTheCaller(jobId) {
      const reserved = await waitFor(
        async () => (await env.pool.query<{ worker_id: string }>(`select worker_id from ledger where job_id = $1 and status = 'reserved'`, [jobId])).rows[0],
        { what: 'the call reserved' },
      );
      await waitFor(() => sim!.stats().requests === 1, { what: 'the call out at the provider' });
      const index = workers.findIndex((w) => reserved.worker_id.split('/')[1] === String(w.pid));
      expect(index).toBeGreaterThanOrEqual(0);
      const proxy = proxies[index]!;
      proxy.cut();
      return proxy;
    },
  };
}
