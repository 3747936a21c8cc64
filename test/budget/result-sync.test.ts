import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { createLogger } from '../../src/log.js';
import { useTestEnv } from '../support/env.js';
import { expectResultsEqualLedger, resultsByJob } from '../support/queries.js';
import { call, usage } from './helpers.js';

const env = useTestEnv();

describe("a job's result after its calls change status", () => {
  it('follows its ledger rows through a stale close, a late settlement and a release', async () => {
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall', logger: createLogger('silent') });
    const answered = call({ jobId: 'sync-1', maxCostMicros: 300 });
    const orphaned = call({ jobId: 'sync-1', seq: 1, maxCostMicros: 500 });
    const other = call({ jobId: 'sync-1', seq: 2, maxCostMicros: 700 });
    for (const c of [answered, orphaned, other]) await ledger.reserve(c);
    await ledger.settle(answered.callId, { costMicros: 100, usage: usage(5) });
    // The job completed (on another worker) while two of its calls were still open.
    await env.pool.query(`insert into results (job_id, kind, model, output_text, cost_micros, calls) values ('sync-1', 'summarize', 'm', 'ok', 100, 1)`);

    // Presumed dead: both are closed as spent at their reservations, and the result counts them.
    expect((await ledger.closeStale(0)).closed).toBe(2);
    expect((await resultsByJob(env.pool)).get('sync-1')).toMatchObject({ costMicros: 100 + 500 + 700, calls: 3 });

    // The worker was alive after all: its late settlement corrects the cost.
    expect(await ledger.settle(orphaned.callId, { costMicros: 40, usage: usage(5) })).toMatchObject({ status: 'settled', corrected: true });
    expect((await resultsByJob(env.pool)).get('sync-1')).toMatchObject({ costMicros: 100 + 40 + 700, calls: 3 });

    // And a call that certainly never reached the provider is released: it no longer counts.
    expect(await ledger.release(other.callId, 'never sent')).toMatchObject({ released: true, corrected: true });
    expect((await resultsByJob(env.pool)).get('sync-1')).toMatchObject({ costMicros: 140, calls: 2 });
    expect(await expectResultsEqualLedger(env.pool)).toBe(1);
  });
});
