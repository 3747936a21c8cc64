import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { openDb, type DbHandle } from '../../src/db/client.js';
import { TEST_REDIS_URL, createTestDatabase, dropTestDatabase, uniqueSuffix } from './services.js';

export interface TestEnv {
  /** This file's own freshly migrated database. */
  databaseUrl: string;
  /** This file's own BullMQ prefix. */
  prefix: string;
  redisUrl: string;
  /** A configuration pointing at this file's database and prefix, with no provider keys. */
  config: Config;
  db: DbHandle['db'];
  pool: DbHandle['pool'];
  redis: Redis;
}

/**
 * Gives the calling test file its own database (cloned from the migrated template) and its own
 * BullMQ prefix, and removes both after the file's tests. Use at the top level of a test file.
 */
export function useTestEnv(env: Record<string, string> = {}): TestEnv {
  const state = {} as TestEnv;
  let dbName = '';
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    const created = await createTestDatabase(inject('templateDatabase'));
    dbName = created.name;
    state.databaseUrl = created.url;
    state.prefix = `frugal-test-${uniqueSuffix()}`;
    state.redisUrl = TEST_REDIS_URL;
    state.config = loadConfig({
      DATABASE_URL: created.url,
      REDIS_URL: TEST_REDIS_URL,
      FRUGAL_PREFIX: state.prefix,
      LOG_LEVEL: 'silent',
      ...env,
    });
    handle = await openDb(created.url, { max: 20, applicationName: 'frugal-test' });
    state.db = handle.db;
    state.pool = handle.pool;
    state.redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    if (state.redis) {
      await deleteKeys(state.redis, `${state.prefix}:*`);
      await state.redis.quit();
    }
    await handle?.close();
    if (dbName) await dropTestDatabase(dbName);
  });
  return state;
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
