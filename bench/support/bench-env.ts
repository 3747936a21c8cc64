import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { migrate, quoteIdent } from '../../src/db/migrate.js';

/** Server the benches create their databases on (each dropped afterwards). */
export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The machine's Redis; every bench uses its own key prefix and deletes its keys afterwards. */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchEnv {
  name: string;
  databaseUrl: string;
  prefix: string;
  redisUrl: string;
  /** The environment a worker or producer of this bench runs with (also handed to child processes). */
  env: Record<string, string>;
  config: Config;
  /** Drops the database and deletes the prefix's Redis keys. */
  dispose(): Promise<void>;
}

/**
 * A bench's own freshly migrated database and BullMQ prefix, the way tests get theirs, so a bench
 * never reads or disturbs anyone else's data on the shared servers.
 */
export async function createBenchEnv(label: string, extraEnv: Record<string, string> = {}): Promise<BenchEnv> {
  const name = `frugal_bench_${label}_${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`;
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
  const prefix = `frugal-bench-${label}-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: BENCH_REDIS_URL,
    FRUGAL_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    ...extraEnv,
  };
  return {
    name,
    databaseUrl,
    prefix,
    redisUrl: BENCH_REDIS_URL,
    env,
    config: loadConfig(env),
    async dispose() {
      await dropDatabase(name);
      // Also the keys of prefixes derived from this one (`<prefix>-<variant>`).
      await deleteRedisKeys(BENCH_REDIS_URL, `${prefix}*`);
    },
  };
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: BENCH_PG_URL, application_name: 'frugal-bench-admin' });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

export async function deleteRedisKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
