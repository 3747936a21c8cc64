import { Redis } from 'ioredis';
import { ServiceUnavailableError, redactUrl } from '../errors.js';

export interface ConnectRedisOptions {
  /**
   * `worker` connections retry forever (BullMQ workers need `maxRetriesPerRequest: null` and
   * must survive a Redis restart); `client` connections used by the CLI and producers give up
   * quickly so a command fails with a clear error. Default `client`.
   */
  role?: 'worker' | 'client';
  /** How long to wait for the first connection. Default 5 s. */
  connectTimeoutMs?: number;
}

/** Connects to Redis and checks it answers, or throws a one-line error naming the server and the fix. */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  const role = options.role ?? 'client';
  const timeout = options.connectTimeoutMs ?? 5_000;
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    connectTimeout: timeout,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // Errors surface through the connect() below and through commands; without a listener
  // ioredis prints each reconnection failure as an unhandled error event.
  redis.on('error', () => {});
  try {
    await withTimeout(redis.connect(), timeout);
    await withTimeout(redis.ping(), timeout);
  } catch (error) {
    redis.disconnect();
    const code = (error as { code?: string }).code ?? 'timeout';
    throw new ServiceUnavailableError(
      'redis',
      `cannot reach Redis at ${redactUrl(url)} (${code})`,
      'start Redis (docker compose up -d redis) or set REDIS_URL to a reachable server',
      error,
    );
  }
  return redis;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'timeout' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
