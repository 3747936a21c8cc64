import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_FOLDER, migrate, quoteIdent } from '../../src/db/migrate.js';

/** The machine's services, overridable for a developer whose services live elsewhere. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Test databases are named `frugal_t_<unix seconds>_<random>` so stale ones can be found by age. */
export const TEST_DB_PREFIX = 'frugal_t_';

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Template name changes whenever a migration changes, so an edited schema never reuses an old template. */
export function templateName(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).sort()) {
    hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  return `frugal_tpl_${hash.digest('hex').slice(0, 12)}`;
}

export async function withAdmin<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, application_name: 'frugal-test-admin' });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** Creates (once, under a lock) a migrated template database that test files clone. */
export async function ensureTemplate(): Promise<string> {
  const name = templateName();
  await withAdmin(async (admin) => {
    await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount) return;
      const building = `${name}_build`;
      await admin.query(`drop database if exists ${quoteIdent(building)} with (force)`);
      await admin.query(`create database ${quoteIdent(building)}`);
      await migrate(databaseUrl(building));
      // Renamed only once complete, so a half-built template is never cloned.
      await admin.query(`alter database ${quoteIdent(building)} rename to ${quoteIdent(name)}`);
      // Other checkouts on this server may test other migrations with their own templates at the
      // same time: a template is only dropped once it has gone unused for a day.
      await admin.query(`comment on database ${quoteIdent(name)} is '${Math.floor(Date.now() / 1000)}'`);
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
  return name;
}

/**
 * Drops test databases left by runs that crashed more than an hour ago, and templates of other
 * migration sets unused for a day.
 */
export async function dropStaleDatabases(currentTemplate: string): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.query(`comment on database ${quoteIdent(currentTemplate)} is '${Math.floor(Date.now() / 1000)}'`);
    const { rows } = await admin.query<{ datname: string; stamp: string | null }>(
      `select datname, shobj_description(oid, 'pg_database') as stamp from pg_database
       where datname like 'frugal\\_t\\_%' or datname like 'frugal\\_tpl\\_%'`,
    );
    const now = Math.floor(Date.now() / 1000);
    for (const { datname, stamp } of rows) {
      const created = Number(/^frugal_t_(\d+)_/.exec(datname)?.[1]);
      const staleTest = Number.isFinite(created) && created < now - 3600;
      const lastUsed = Number(stamp);
      const oldTemplate = datname.startsWith('frugal_tpl_') && datname !== currentTemplate && Number.isFinite(lastUsed) && lastUsed > 0 && lastUsed < now - 86_400;
      if (staleTest || oldTemplate) await admin.query(`drop database if exists ${quoteIdent(datname)} with (force)`).catch(() => {});
    }
  });
}

export function uniqueSuffix(): string {
  return `${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
}

/** Clones the template into a fresh database. Concurrent clones of one template can collide; retry. */
export async function createTestDatabase(template: string): Promise<{ name: string; url: string }> {
  const name = `${TEST_DB_PREFIX}${uniqueSuffix()}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin((admin) => admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`));
      return { name, url: databaseUrl(name) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The template can vanish if an older checkout's test run cleaned it up: build it again.
      if (code === '3D000' && attempt < 3) {
        await ensureTemplate();
        continue;
      }
      // 55006: "source database is being accessed by other users" (another clone in progress).
      if (code !== '55006' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
}

export async function dropTestDatabase(name: string): Promise<void> {
  await withAdmin((admin) => admin.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}
