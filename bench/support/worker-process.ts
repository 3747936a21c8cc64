/**
 * A worker in its own process, for benchmarks and fault tests: `node --import tsx
 * bench/support/worker-process.ts '<options JSON>'` with the configuration in the environment
 * (DATABASE_URL, REDIS_URL, FRUGAL_PREFIX, FRUGAL_SIM_URL, FRUGAL_CATALOG…). It talks to its
 * parent over IPC (see spawn-worker.ts): it says `ready`, answers `stats`, `reset` and `close`.
 *
 * `mode: 'frugal'` runs a FrugalWorker; `mode: 'bare'` runs a bare BullMQ worker on the same
 * queue that makes the same provider call through the official SDK and nothing else (no
 * estimate, route, limiter, budget or Postgres): the floor frugal is compared with.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import Groq from 'groq-sdk';
import { loadConfig } from '../../src/config.js';
import { JOB_KINDS } from '../../src/jobs/index.js';
import { createLogger } from '../../src/log.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import type { ChatRequest, Provider } from '../../src/providers/types.js';
import { INTAKE_QUEUE, type IntakeJobData, type IntakeJobResult } from '../../src/queue/queues.js';
import { connectRedis } from '../../src/queue/redis.js';
import { FrugalWorker } from '../../src/workers/frugal-worker.js';
import type { WorkerChildOptions, WorkerParentMessage, WorkerStats } from './worker-protocol.js';

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerChildOptions;

/** Redis commands and Postgres queries (`pg:` + name or text) this process sent (with `countRedisCommands`). */
const redisCommands: Record<string, number> = {};
if (options.countRedisCommands) {
  const prototype = Redis.prototype as unknown as { sendCommand(command: { name: string }, ...rest: unknown[]): unknown };
  const sendCommand = prototype.sendCommand;
  prototype.sendCommand = function (this: unknown, command: { name: string }, ...rest: unknown[]) {
    redisCommands[command.name] = (redisCommands[command.name] ?? 0) + 1;
    return sendCommand.call(this, command, ...rest);
  };
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; name?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.name ?? first?.text ?? '?');
    const name = `pg:${text.replace(/\s+/g, ' ').trim().slice(0, 40)}`;
    redisCommands[name] = (redisCommands[name] ?? 0) + 1;
    return query.apply(this, args);
  };
}
const config = loadConfig(process.env);
const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');

let completed = 0;
let failed = 0;
let firstActiveMs: number | undefined;
let lastFinishedMs: number | undefined;
let callMs = 0;
const jobMs: number[] = [];
const callMsPerJob: number[] = [];
const activeAt = new Map<string, number>();

function send(message: unknown): void {
  process.send?.(message);
}

function stats(): WorkerStats {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    completed,
    failed,
    firstActiveMs,
    lastFinishedMs,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    ...(options.timings ? { jobMs: [...jobMs], callMs: [...callMsPerJob] } : {}),
    ...(options.countRedisCommands ? { redisCommands: { ...redisCommands } } : {}),
  };
}

/** Counts the time spent inside provider calls (meaningful per job at concurrency 1). */
async function timedCall<T>(call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    callMs += performance.now() - started;
  }
}

interface Observable {
  on(event: 'active', listener: (job: { id?: string }) => void): unknown;
  on(event: 'completed', listener: (job: { id?: string }) => void): unknown;
  on(event: 'failed', listener: (job: { id?: string } | undefined) => void): unknown;
}

function observe(worker: Observable): void {
  worker.on('active', (job) => {
    const now = performance.now();
    firstActiveMs ??= now;
    if (options.timings) {
      activeAt.set(job.id!, now);
      callMs = 0;
    }
  });
  worker.on('completed', (job) => {
    completed++;
    const now = performance.now();
    lastFinishedMs = now;
    if (options.timings) {
      const started = activeAt.get(job.id!);
      activeAt.delete(job.id!);
      if (started !== undefined) {
        jobMs.push(now - started);
        callMsPerJob.push(callMs);
      }
    }
  });
  worker.on('failed', () => {
    failed++;
    lastFinishedMs = performance.now();
  });
}

async function startFrugal(): Promise<() => Promise<void>> {
  const worker = await FrugalWorker.start(config, {
    logger,
    concurrency: options.concurrency ?? 50,
    ...(options.accounting === undefined ? {} : { accounting: options.accounting }),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    ...(options.staleReservationMs === undefined ? {} : { staleReservationMs: options.staleReservationMs }),
    ...(options.staleCheckMs === undefined ? {} : { staleCheckMs: options.staleCheckMs }),
    ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
    ...(options.batches ? { batches: options.batches } : {}),
  });
  if (options.timings) {
    for (const id of worker.runtime.providers.available()) {
      const provider = worker.runtime.providers.get(id) as Provider;
      const chat = provider.chat.bind(provider);
      provider.chat = (request: ChatRequest) => timedCall(() => chat(request));
    }
  }
  // The BullMQ worker's events are what the bench counts.
  observe(worker.bullmq);
  return () => worker.close();
}

async function startBare(): Promise<() => Promise<void>> {
  const redis = await connectRedis(config.redisUrl, { role: 'worker' });
  const catalog = loadCatalog(config);
  const model = catalog.require(options.bareModel ?? 'llama-3.1-8b');
  if (model.provider !== 'groq') throw new Error(`the bare worker calls Groq models only (got ${model.id})`);
  const client = new Groq({ apiKey: 'sim-groq', baseURL: config.simUrl, maxRetries: 0 });
  const worker = new Worker<IntakeJobData, IntakeJobResult>(
    INTAKE_QUEUE,
    async (job) => {
      const prompt = JOB_KINDS[job.data.spec.kind].buildPrompt(job.data.spec.payload as never);
      const messages: Array<{ role: 'system' | 'user'; content: string }> = [];
      if (prompt.system) messages.push({ role: 'system', content: prompt.system });
      for (const m of prompt.messages) messages.push({ role: m.role as 'user', content: m.content });
      const completion = await timedCall(() =>
        client.chat.completions.create({ model: model.providerModelId, messages, max_completion_tokens: 300 }, { timeout: 120_000, maxRetries: 0 }),
      );
      return { text: completion.choices[0]?.message?.content ?? '', model: model.id, costMicros: 0 };
    },
    { connection: redis, prefix: config.queuePrefix, concurrency: options.concurrency ?? 50 },
  );
  worker.on('error', () => {});
  observe(worker as unknown as Observable);
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    await redis.quit().catch(() => redis.disconnect());
  };
}

const close = options.mode === 'bare' ? await startBare() : await startFrugal();

process.on('message', (raw) => {
  const message = raw as WorkerParentMessage;
  switch (message.type) {
    case 'stats':
      send({ type: 'stats', stats: stats() });
      break;
    case 'reset':
      completed = 0;
      failed = 0;
      firstActiveMs = undefined;
      lastFinishedMs = undefined;
      jobMs.length = 0;
      callMsPerJob.length = 0;
      for (const name of Object.keys(redisCommands)) delete redisCommands[name];
      send({ type: 'reset' });
      break;
    case 'gc':
      (globalThis as { gc?: () => void }).gc?.();
      send({ type: 'gc', stats: stats() });
      break;
    case 'close':
      void close().then(
        () => {
          send({ type: 'closed' });
          process.disconnect?.();
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`worker close failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
      break;
  }
});
// The parent going away (e.g. a crashed bench) takes the worker with it.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid });
