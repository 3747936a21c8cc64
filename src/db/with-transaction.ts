import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';

/**
 * Runs `body` in a transaction on a client of `pool`, with a drizzle instance bound to that
 * client. Unlike drizzle's own `db.transaction` (0.45: BEGIN runs outside its try/finally,
 * drizzle-orm#6241), the client always goes back to the pool, and one whose connection broke
 * (BEGIN, ROLLBACK or COMMIT failed) is destroyed rather than handed out again. The caller gets
 * the original error. `body` also gets the raw client, for SQL written by hand.
 */
export async function withTransaction<T>(pool: pg.Pool, body: (tx: NodePgDatabase, client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin').catch((error: unknown) => {
      broken = asError(error);
      throw error;
    });
    let result: T;
    try {
      result = await body(drizzle(client), client);
    } catch (error) {
      await client.query('rollback').catch((rollbackError: unknown) => {
        broken = asError(rollbackError);
      });
      throw error;
    }
    await client.query('commit').catch((error: unknown) => {
      broken = asError(error);
      throw error;
    });
    return result;
  } finally {
    client.release(broken);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
