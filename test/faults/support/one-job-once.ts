import type { Redis } from 'ioredis';
import type pg from 'pg';
import { expect } from 'vitest';
import type { SimStats } from '../../../src/providers/sim/sim-stats.js';
import { INTAKE_QUEUE } from '../../../src/queue/queues.js';
import { expectLedgerEqualsBudgets } from './invariants.js';

/** How many times BullMQ recorded the job as completed (its events stream). */
export async function completedEvents(redis: Redis, prefix: string, jobId: string): Promise<number> {
  const entries = await redis.xrange(`${prefix}:${INTAKE_QUEUE}:events`, '-', '+');
  return entries.filter(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
    return record.event === 'completed' && record.jobId === jobId;
  }).length;
}

/**
 * The promises of issue 13 for a test's only job, after a partition: the job completed once, its
 * result is stored once and equals its ledger rows, the provider was called exactly once, that
 * answered call is in the ledger exactly once (settled at its reported usage, not closed as
 * spent), budgets equal the ledger and nothing is left reserved.
 */
export async function expectOneJobPaidOnce(options: { pool: pg.Pool; redis: Redis; prefix: string; jobId: string; sim: SimStats }): Promise<void> {
  const { pool, jobId, sim } = options;
  expect(await completedEvents(options.redis, options.prefix, jobId), 'times the job completed').toBe(1);

  const results = await pool.query<{ cost_micros: string; calls: number }>('select cost_micros, calls from results where job_id = $1', [jobId]);
  expect(results.rows.length, 'results stored for the job').toBe(1);
  const job = await pool.query<{ status: string }>('select status from jobs where job_id = $1', [jobId]);
  expect(job.rows[0]?.status).toBe('completed');

  expect(sim.requests, 'provider calls').toBe(1);
  expect(sim.byStatus['200'], 'provider answers').toBe(1);

  const calls = await pool.query<{ status: string; cost_micros: string | null; usage_estimated: boolean; act_input_tokens: number | null; worker_id: string | null }>(
    'select status, cost_micros, usage_estimated, act_input_tokens, worker_id from ledger where job_id = $1',
    [jobId],
  );
  expect(calls.rows.map((c) => ({ status: c.status, usageEstimated: c.usage_estimated }))).toEqual([{ status: 'settled', usageEstimated: false }]);
  expect(calls.rows[0]!.act_input_tokens).toBe(sim.inputTokens);
  expect(calls.rows[0]!.worker_id, 'the worker that reserved the call').toMatch(/^.+\/\d+\/[0-9a-f]{6}$/);

  // The result = ledger invariant, asserted directly: cost and call count of the calls settled or
  // closed as spent.
  const charged = await pool.query<{ cost: string; calls: number }>(
    `select coalesce(sum(cost_micros), 0) as cost, count(*)::int as calls from ledger where job_id = $1 and status in ('settled', 'closed_as_spent')`,
    [jobId],
  );
  expect({ cost: Number(results.rows[0]!.cost_micros), calls: results.rows[0]!.calls }).toEqual({ cost: Number(charged.rows[0]!.cost), calls: charged.rows[0]!.calls });

  await expectLedgerEqualsBudgets(pool, sim);
}
