import { describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { NO_CALIBRATION } from '../../src/pricing/calibration.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { forecast } from '../../src/router/forecast.js';
import { useTestEnv, waitFor } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { budgetsMatchLedger, useResultsLedgerCheck } from '../support/queries.js';

const env = useTestEnv();
useResultsLedgerCheck(env);
const pipeline = usePipeline(env);

describe('a job blocked by an exhausted hard budget', () => {
  it('waits without being called or failed, and completes once the limit is raised', async () => {
    const specs = Array.from({ length: 6 }, (_, i) => parseJobSpec({ kind: 'classify', tier: 'basic', budgets: ['tight'], payload: { text: `Order ${i} arrived broken`, labels: ['damage', 'delay'] } }));
    const maxCost = forecast(specs[0]!, pipeline.catalog, NO_CALIBRATION, () => undefined).chosen!.estimate.maxCostMicros;
    const store = new BudgetStore(env.pool);
    await store.set({ name: 'tight', limitMicros: 2 * maxCost + Math.floor(maxCost / 2), period: 'day' });

    await pipeline.producer.producer.enqueue(specs);
    const { waitingForBudget } = await pipeline.worker!.untilEmpty();
    expect(waitingForBudget).toBeGreaterThan(0);
    const { rows: waiting } = await env.pool.query<{ job_id: string; waiting_budget: string; wait_until: Date }>(
      `select job_id, waiting_budget, wait_until from jobs where status = 'waiting_budget'`,
    );
    expect(waiting).toHaveLength(waitingForBudget);
    for (const row of waiting) {
      expect(row.waiting_budget).toBe('tight');
      expect(row.wait_until.getTime(), 'waits until the next period').toBeGreaterThan(Date.now());
      const calls = await env.pool.query('select 1 from ledger where job_id = $1', [row.job_id]);
      expect(calls.rowCount, 'a waiting job made no call').toBe(0);
      expect(await (await pipeline.worker!.runtime.queue.getJob(row.job_id))?.isDelayed()).toBe(true);
    }
    // Several jobs were refused; the exhaustion was recorded (and handed to delivery) once.
    const { rows: exhausted } = await env.pool.query<{ kind: string; threshold: number }>(`select kind, threshold from budget_alerts where budget_name = 'tight' and kind = 'exhausted'`);
    expect(exhausted).toEqual([{ kind: 'exhausted', threshold: 0 }]);
    const tight = await store.status('tight');
    expect(tight.spentMicros + tight.reservedMicros).toBeLessThanOrEqual(tight.limitMicros);

    await store.set({ name: 'tight', limitMicros: 100 * maxCost });
    await waitFor(async () => {
      const { rows } = await env.pool.query<{ n: number }>(`select count(*)::int as n from results`);
      return rows[0]!.n === specs.length;
    }, { what: 'every job to complete after the limit was raised' });
    const { rows } = await env.pool.query<{ status: string }>('select distinct status from jobs where job_id = any($1)', [specs.map(jobIdFor)]);
    expect(rows).toEqual([{ status: 'completed' }]);
    for (const row of await budgetsMatchLedger(env.pool)) expect(row).toMatchObject({ spent: row.ledger, reserved: 0 });
  });
});
