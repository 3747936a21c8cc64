import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { useTestEnv } from '../support/env.js';
import { startChild } from './children.js';
import { counters, ledgerRow, usage } from './helpers.js';

const env = useTestEnv();

describe('a worker killed mid-call', () => {
  it('leaves a reservation that closeStale closes conservatively: counted as spent at its reserved amount and flagged', { timeout: 60_000 }, async () => {
    await new BudgetStore(env.pool).set({ name: 'crashy', limitMicros: 1_000_000, period: 'day' });
    const worker = startChild('test/budget/fixtures/hold-reservation.ts', { DATABASE_URL: env.databaseUrl, BUDGET: 'crashy', COST: '250000' });
    const { callId, ok } = JSON.parse(await worker.firstLine) as { callId: string; ok: boolean };
    expect(ok).toBe(true);
    worker.child.kill('SIGKILL');
    await worker.exit;
    expect(await counters(env.pool, 'crashy')).toMatchObject({ spentMicros: 0, reservedMicros: 250_000 });

    // Not yet stale: nothing happens.
    const ledger = new BudgetLedger(env.pool, { now: () => new Date(Date.now() + 60_000) });
    expect(await ledger.closeStale(15 * 60_000)).toMatchObject({ closed: 0 });
    // An hour later the reservation is closed as spent: the call may have happened.
    const later = new BudgetLedger(env.pool, { now: () => new Date(Date.now() + 3_600_000) });
    expect(await later.closeStale(15 * 60_000)).toEqual({ closed: 1, closedMicros: 250_000, callIds: [callId] });
    expect(await counters(env.pool, 'crashy')).toMatchObject({ spentMicros: 250_000, reservedMicros: 0 });
    const row = await ledgerRow(env.pool, callId);
    expect(row).toMatchObject({ status: 'closed_as_spent', closed_stale: true, cost_micros: '250000' });
    expect(row?.error).toMatch(/presumed dead/);
    // Never dropped: a late settlement from the worker corrects the amount; the row stays flagged.
    expect(await later.settle(callId, { costMicros: 0, usage: usage(0) })).toMatchObject({ status: 'settled' });
    expect(await ledgerRow(env.pool, callId)).toMatchObject({ closed_stale: true });
  });
});
