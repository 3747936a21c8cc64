import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { InputError, SchemaMissingError, ServiceUnavailableError, redactUrl } from '../errors.js';
import * as batches from './schema/batches.js';
import * as budget from './schema/budget.js';
import * as evals from './schema/evals.js';
import * as jobs from './schema/jobs.js';
import * as pricing from './schema/pricing.js';

export const schema = { ...batches, ...budget, ...jobs, ...pricing, ...evals };
export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** Pool size. Default 10. */
  max?: number;
  /** Application name shown in `pg_stat_activity`. Default `frugal`. */
  applicationName?: string;
  /** Fail unless the database has frugal's tables (`frugal migrate` made them). Default true. */
  requireSchema?: boolean;
  /**
   * Identity of the worker process, set on every connection as `frugal.worker_id`: ledger rows
   * reserved through this pool carry it (their column default reads it). Default: none.
   */
  workerId?: string;
}

/**
 * Opens a pool and checks it with one query, so an unreachable or missing database fails here
 * with a one-line error instead of on the first job.
 */
export async function openDb(url: string, options: OpenDbOptions = {}): Promise<DbHandle> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'frugal',
    connectionTimeoutMillis: 5_000,
    ...(options.workerId === undefined ? {} : { options: `-c frugal.worker_id=${checkWorkerId(options.workerId)}` }),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  // A client checked out of the pool has no such listener: a connection lost between two
  // statements of a transaction (Postgres restarted, the backend terminated) would crash the
  // process. Its current or next query fails instead, which callers handle; the pool then drops it.
  pool.on('connect', (client) => client.on('error', () => {}));
  let migrated: boolean;
  try {
    const { rows } = await pool.query<{ migrated: boolean }>(`select to_regclass('ledger') is not null as migrated`);
    migrated = rows[0]?.migrated ?? false;
  } catch (error) {
    await pool.end().catch(() => {});
    throw describePgError(error, url);
  }
  if (!migrated && (options.requireSchema ?? true)) {
    await pool.end().catch(() => {});
    throw new SchemaMissingError(url);
  }
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** Turns a pg connection failure into an error naming the server and the fix. */
export function describePgError(error: unknown, url: string): Error {
  const code = (error as { code?: string }).code;
  const where = redactUrl(url);
  if (code === '3D000') {
    return new ServiceUnavailableError('postgres', `Postgres database in ${where} does not exist`, 'run `frugal migrate` to create it', error);
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || /timeout/i.test(String((error as Error).message))) {
    return new ServiceUnavailableError(
      'postgres',
      `cannot reach Postgres at ${where} (${code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host name not found' : code === 'ECONNREFUSED' ? 'connection refused' : 'timed out'})`,
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'check the host name in DATABASE_URL'
        : 'check that Postgres is running and listening on that host and port (docker compose up -d postgres), or set DATABASE_URL to a reachable server',
      error,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new ServiceUnavailableError('postgres', `Postgres at ${where} rejected the credentials`, 'fix the user or password in DATABASE_URL', error);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A worker id travels in the connection's start-up options: only characters that need no quoting there. */
function checkWorkerId(workerId: string): string {
  if (!/^[A-Za-z0-9._:/-]{1,200}$/.test(workerId)) {
    throw new InputError(`worker id ${JSON.stringify(workerId)} has characters other than letters, digits and . _ : / -`, 'choose a worker id of those characters');
  }
  return workerId;
}
