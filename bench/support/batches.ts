import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import type { JobSpec } from '../../src/jobs/job-spec.js';
import { openProducer } from '../../src/queue/open-producer.js';
import { INTAKE_QUEUE } from '../../src/queue/queues.js';
import type { WorkerProcess } from './spawn-worker.js';
import type { WorkerStats } from './worker-protocol.js';

/** Enqueues through frugal's producer (job rows in Postgres, jobs in BullMQ), `force` so repeats run again. */
export async function enqueue(config: Config, specs: readonly JobSpec[], options: { force?: boolean } = {}): Promise<void> {
  const { producer, close } = await openProducer(config);
  try {
    for (let i = 0; i < specs.length; i += 5_000) {
      const outcomes = await producer.enqueue(specs.slice(i, i + 5_000), options);
      const notQueued = outcomes.filter((o) => o.status !== 'queued');
      if (notQueued.length > 0) throw new Error(`${notQueued.length} jobs were not queued (first: ${notQueued[0]!.status})`);
    }
  } finally {
    await close();
  }
}

/**
 * Pauses the intake queue (workers take nothing), runs `body`, then resumes it: jobs enqueued in
 * `body` are all waiting when the workers start on them, so enqueueing is not measured.
 */
export async function whilePaused<T>(config: Config, body: () => Promise<T>): Promise<T> {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(INTAKE_QUEUE, { connection: redis, prefix: config.queuePrefix });
  try {
    await queue.pause();
    try {
      return await body();
    } finally {
      await queue.resume();
    }
  } finally {
    await queue.close();
    await redis.quit();
  }
}

/** Polls the worker until `count` jobs completed or failed since its last reset. */
export async function untilFinished(worker: WorkerProcess, count: number, timeoutMs: number, pollMs = 50): Promise<WorkerStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await worker.stats();
    if (stats.completed + stats.failed >= count) return stats;
    if (Date.now() > deadline) throw new Error(`only ${stats.completed} completed and ${stats.failed} failed of ${count} jobs within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Value at quantile q (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Micro-dollars as dollars with every digit: `$0.014967`. */
export function usd(micros: number): string {
  return `${micros < 0 ? '-' : ''}$${(Math.abs(micros) / 1e6).toFixed(6)}`;
}
