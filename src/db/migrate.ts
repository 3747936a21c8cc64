import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as runDrizzleMigrations } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { describePgError } from './client.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Key of the advisory lock that serializes migrations across machines. */
const MIGRATION_LOCK_KEY = 0x66727567; // "frug"

export interface MigrateResult {
  /** The database did not exist and was created. */
  createdDatabase: boolean;
  /** Migrations applied by this run. */
  applied: number;
}

/**
 * Creates the database if it is missing and applies pending migrations under a Postgres advisory
 * lock, so several machines may run it at once; a second run changes nothing.
 */
export async function migrate(databaseUrl: string, migrationsFolder: string = MIGRATIONS_FOLDER): Promise<MigrateResult> {
  const createdDatabase = await ensureDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'frugal-migrate', connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw describePgError(error, databaseUrl);
  }
  try {
    // Notices such as "schema already exists, skipping" are noise for users.
    await client.query(`set client_min_messages = warning`);
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const before = await countApplied(client);
    await runDrizzleMigrations(drizzle(client), { migrationsFolder });
    const after = await countApplied(client);
    return { createdDatabase, applied: after - before };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}

async function countApplied(client: pg.Client): Promise<number> {
  const exists = await client.query<{ present: boolean }>(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!exists.rows[0]?.present) return 0;
  const result = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
  return Number(result.rows[0]?.n ?? 0);
}

/** Creates the database named in the URL when missing. Returns whether it created it. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString(), application_name: 'frugal-migrate', connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw describePgError(error, databaseUrl);
  }
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`create database ${quoteIdent(name)}`);
      return true;
    } catch (error) {
      // Another machine created it between our check and our create.
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw error;
    }
  } finally {
    await admin.end().catch(() => {});
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
