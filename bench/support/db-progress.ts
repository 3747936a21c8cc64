import type pg from 'pg';

/**
 * Polls Postgres until `count` jobs are finished (a result row, or a job row marked failed), or
 * throws after `timeoutMs`. `alsoWaiting` counts jobs waiting for budget as finished too.
 */
export async function untilJobsFinished(pool: pg.Pool, count: number, timeoutMs: number, options: { alsoWaiting?: boolean; pollMs?: number } = {}): Promise<{ completed: number; failed: number; waiting: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ completed: number; failed: number; waiting: number }>(
      `select (select count(*) from results)::int as completed,
              (select count(*) from jobs where status = 'failed')::int as failed,
              (select count(*) from jobs where status = 'waiting_budget')::int as waiting`,
    );
    const state = rows[0]!;
    const finished = state.completed + state.failed + (options.alsoWaiting ? state.waiting : 0);
    if (finished >= count) return state;
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms only ${state.completed} of ${count} jobs completed (${state.failed} failed, ${state.waiting} waiting for budget)`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
