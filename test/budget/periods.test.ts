import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { useTestEnv } from '../support/env.js';
import { call, usage } from './helpers.js';

const env = useTestEnv();

/** A clock the test moves by hand. */
function manualClock(iso: string) {
  let now = new Date(iso);
  return { now: () => now, set: (next: string) => (now = new Date(next)) };
}

describe('budget periods', () => {
  it('starts a new day at midnight in the budget time zone, not at UTC midnight', async () => {
    // Berlin is UTC+1 in January: its midnight is 23:00 UTC the day before.
    const clock = manualClock('2026-01-14T22:59:59.000Z');
    const store = new BudgetStore(env.pool, { now: clock.now });
    const ledger = new BudgetLedger(env.pool, { now: clock.now });
    await store.set({ name: 'berlin-day', limitMicros: 100_000, period: 'day', tz: 'Europe/Berlin' });
    const before = await ledger.reserve(call({ maxCostMicros: 100_000, budgetNames: ['berlin-day'] }));
    expect(before).toMatchObject({ ok: true, budgets: [{ periodStart: new Date('2026-01-13T23:00:00Z'), periodEnd: new Date('2026-01-14T23:00:00Z') }] });
    const full = await ledger.reserve(call({ maxCostMicros: 1, budgetNames: ['berlin-day'] }));
    expect(full).toMatchObject({ ok: false, retryAt: new Date('2026-01-14T23:00:00Z') });

    clock.set('2026-01-14T23:00:00.000Z'); // 00:00 in Berlin
    const after = await ledger.reserve(call({ maxCostMicros: 100_000, budgetNames: ['berlin-day'] }));
    expect(after).toMatchObject({ ok: true, budgets: [{ periodStart: new Date('2026-01-14T23:00:00Z') }] });
    expect(await store.status('berlin-day')).toMatchObject({ reservedMicros: 100_000, periodStart: new Date('2026-01-14T23:00:00Z') });
  });

  it('settles a call on the period it was reserved in, even after a new period began', async () => {
    const clock = manualClock('2026-03-10T23:50:00-04:00'); // New York, ten minutes before midnight
    const store = new BudgetStore(env.pool, { now: clock.now });
    const ledger = new BudgetLedger(env.pool, { now: clock.now });
    await store.set({ name: 'ny-day', limitMicros: 1_000_000, period: 'day', tz: 'America/New_York' });
    const request = call({ maxCostMicros: 600_000, budgetNames: ['ny-day'] });
    await ledger.reserve(request);
    clock.set('2026-03-11T00:05:00-04:00');
    await ledger.settle(request.callId, { costMicros: 250_000, usage: usage() });
    const { rows } = await env.pool.query<{ period_start: Date; spent_micros: string; reserved_micros: string }>(
      `select bp.period_start, bp.spent_micros, bp.reserved_micros from budget_periods bp join budgets b on b.id = bp.budget_id
       where b.name = 'ny-day' order by bp.period_start`,
    );
    expect(rows).toEqual([{ period_start: new Date('2026-03-10T04:00:00Z'), spent_micros: '250000', reserved_micros: '0' }]);
    // The new day starts at zero.
    expect(await store.status('ny-day')).toMatchObject({ spentMicros: 0, remainingMicros: 1_000_000, periodStart: new Date('2026-03-11T04:00:00Z') });
  });

  it('handles a 23-hour day at the start of daylight saving time', async () => {
    const clock = manualClock('2026-03-08T12:00:00-04:00'); // New York springs forward on 8 March 2026
    const store = new BudgetStore(env.pool, { now: clock.now });
    await store.set({ name: 'ny-dst', limitMicros: 1, period: 'day', tz: 'America/New_York' });
    const status = await store.status('ny-dst');
    expect(status.periodStart).toEqual(new Date('2026-03-08T05:00:00Z'));
    expect(status.periodEnd).toEqual(new Date('2026-03-09T04:00:00Z'));
  });

  it('begins weeks on Monday and months on the first, in the budget time zone', async () => {
    const clock = manualClock('2026-11-26T15:00:00Z'); // a Thursday
    const store = new BudgetStore(env.pool, { now: clock.now });
    await store.set({ name: 'tokyo-week', limitMicros: 1, period: 'week', tz: 'Asia/Tokyo' });
    await store.set({ name: 'tokyo-month', limitMicros: 1, period: 'month', tz: 'Asia/Tokyo' });
    await store.set({ name: 'forever', limitMicros: 1, period: 'total' });
    // 15:00 UTC Thursday is 00:00 Friday in Tokyo; the week began Monday 23 Nov, 00:00 Tokyo,
    // the month on 1 Nov, 00:00 Tokyo.
    expect(await store.status('tokyo-week')).toMatchObject({ periodStart: new Date('2026-11-22T15:00:00Z'), periodEnd: new Date('2026-11-29T15:00:00Z') });
    expect(await store.status('tokyo-month')).toMatchObject({ periodStart: new Date('2026-10-31T15:00:00Z'), periodEnd: new Date('2026-11-30T15:00:00Z') });
    expect(await store.status('forever')).toMatchObject({ periodStart: new Date(0), periodEnd: null });
  });

  it('refuses on a total budget with no retry time: only a raised limit makes room', async () => {
    const store = new BudgetStore(env.pool);
    const ledger = new BudgetLedger(env.pool);
    await store.set({ name: 'lifetime', limitMicros: 10, period: 'total' });
    await ledger.reserve(call({ maxCostMicros: 10, budgetNames: ['lifetime'] }));
    expect(await ledger.reserve(call({ maxCostMicros: 5, budgetNames: ['lifetime'] }))).toMatchObject({ ok: false, retryAt: null });
  });
});
