import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { ServiceUnavailableError } from '../../src/errors.js';
import { connectRedis } from '../../src/queue/redis.js';
import { databaseUrl, dropTestDatabase, TEST_DB_PREFIX, uniqueSuffix, withAdmin } from '../support/services.js';

const run = promisify(execFile);
const created: string[] = [];

function newDatabaseName(): string {
  const name = `${TEST_DB_PREFIX}${uniqueSuffix()}`;
  created.push(name);
  return name;
}

afterAll(async () => {
  for (const name of created) await dropTestDatabase(name);
});

async function tableNames(name: string): Promise<string[]> {
  const { Client } = (await import('pg')).default;
  const client = new Client({ connectionString: databaseUrl(name) });
  await client.connect();
  const { rows } = await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public' order by 1`);
  await client.end();
  return rows.map((r) => r.tablename);
}

describe('frugal migrate', () => {
  it('creates a missing database with its tables, and a second run changes nothing', async () => {
    const name = newDatabaseName();
    const first = await migrate(databaseUrl(name));
    expect(first.createdDatabase).toBe(true);
    expect(first.applied).toBeGreaterThan(0);
    expect(await tableNames(name)).toEqual(expect.arrayContaining(['budget_periods', 'budgets', 'ledger', 'ledger_charges']));
    const second = await migrate(databaseUrl(name));
    expect(second).toEqual({ createdDatabase: false, applied: 0 });
  });

  it('lets several machines migrate the same database at once', async () => {
    const name = newDatabaseName();
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(databaseUrl(name))));
    expect(results.filter((r) => r.createdDatabase)).toHaveLength(1);
    const applied = results.map((r) => r.applied);
    expect(applied.filter((n) => n > 0)).toHaveLength(1);
    const count = await withAdmin(async () => {
      const { Client } = (await import('pg')).default;
      const client = new Client({ connectionString: databaseUrl(name) });
      await client.connect();
      const { rows } = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
      await client.end();
      return Number(rows[0]!.n);
    });
    expect(count).toBe(Math.max(...applied));
  });

  it('runs from the installed CLI and reports an unreachable server in one line', async () => {
    const name = newDatabaseName();
    const ok = await run('node', ['bin/frugal.js', 'migrate', '--json'], { env: { ...process.env, DATABASE_URL: databaseUrl(name) } });
    expect(JSON.parse(ok.stdout)).toMatchObject({ createdDatabase: true });

    const failure = await run('node', ['bin/frugal.js', 'migrate'], {
      env: { ...process.env, DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/frugal' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failure && failure.code).toBe(1);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/cannot reach Postgres at .*127\.0\.0\.1:1.*set DATABASE_URL/);
    expect(stderr).not.toMatch(/hunter2/);
  });
});

describe('redis connection', () => {
  it('fails fast with a one-line error naming the server when Redis is unreachable', async () => {
    const error = await connectRedis('redis://127.0.0.1:1', { connectTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect((error as ServiceUnavailableError).hint).toMatch(/REDIS_URL/);
  });
});
