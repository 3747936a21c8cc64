import type { Redis } from 'ioredis';
import { getConfig, type Config } from '../config.js';
import { openDb, type DbHandle } from '../db/client.js';
import { connectRedis } from '../queue/redis.js';

/**
 * What a command needs, opened on first use and closed when the command ends, so a command that
 * never touches Redis works while Redis is down.
 */
export class CliContext {
  readonly config: Config;
  private dbHandle: Promise<DbHandle> | undefined;
  private redisClient: Promise<Redis> | undefined;
  private readonly closers: Array<() => Promise<void>> = [];

  constructor(config: Config = getConfig()) {
    this.config = config;
  }

  db(): Promise<DbHandle> {
    this.dbHandle ??= openDb(this.config.databaseUrl, { max: 4, applicationName: 'frugal-cli' }).then((handle) => {
      this.closers.push(() => handle.close());
      return handle;
    });
    return this.dbHandle;
  }

  redis(): Promise<Redis> {
    this.redisClient ??= connectRedis(this.config.redisUrl).then((redis) => {
      this.closers.push(async () => {
        await redis.quit().catch(() => redis.disconnect());
      });
      return redis;
    });
    return this.redisClient;
  }

  /** Registers something to close when the command ends (queues, workers). */
  onClose(closer: () => Promise<void>): void {
    this.closers.push(closer);
  }

  async close(): Promise<void> {
    for (const closer of this.closers.splice(0).reverse()) await closer().catch(() => {});
  }
}

/** Runs a command body with a context and always closes what it opened. */
export async function withContext<T>(body: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = new CliContext();
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
