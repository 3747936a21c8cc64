import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import type { ReserveRequest } from '../../src/budget/types.js';
import { UnpricedCallError } from '../../src/budget/unpriced-call-error.js';
import { useTestEnv } from '../support/env.js';
import { call, counters, ledgerCount, ledgerRow, usage } from './helpers.js';

/** Each case is a failure another LLM gateway's budgets had in public issues (see issue 5). */
const env = useTestEnv();
let seq = 0;
const unique = (base: string) => `${base}-${++seq}`;

describe('known ground', () => {
  it.each(['grouped', 'perCall'] as const)('concurrent first requests on a new budget cannot slip past its limit (%s)', async (mode) => {
    const name = unique('first');
    // No period row exists yet: every one of the 40 requests is a "first request".
    await new BudgetStore(env.pool).set({ name, limitMicros: 1_000_000, period: 'day' });
    const ledgers = [new BudgetLedger(env.pool, { mode }), new BudgetLedger(env.pool, { mode })];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ledgers[i % 2]!.reserve(call({ maxCostMicros: 300_000, budgetNames: [name] }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(await counters(env.pool, name)).toMatchObject({ reservedMicros: 900_000, periods: 1 });
  });

  it('a reservation larger than the whole limit is refused at once and blocks nobody', async () => {
    const name = unique('big');
    await new BudgetStore(env.pool).set({ name, limitMicros: 2_000_000_000, period: 'month' });
    const ledger = new BudgetLedger(env.pool);
    const small = call({ maxCostMicros: 140_000, budgetNames: [name] });
    await ledger.reserve(small);
    await ledger.settle(small.callId, { costMicros: 140_000, usage: usage() });
    // A call without an output cap would reserve the model's whole output window: the caller
    // caps it at min(job cap, model max output); one still above the limit is refused outright.
    const uncapped = await ledger.reserve(call({ maxCostMicros: 2_500_000_000, budgetNames: [name] }));
    expect(uncapped).toMatchObject({ ok: false, reason: 'exceeds_limit', retryAt: null, roomOnSettle: false, blockingBudget: name });
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 140_000, reservedMicros: 0 });
    const next = await ledger.reserve(call({ maxCostMicros: 100_000, budgetNames: [name] }));
    expect(next.ok).toBe(true);
    expect((await new BudgetStore(env.pool).status(name)).exhausted).toBe(false);
  });

  it('an unpriced model is refused, not waved through without a reservation', async () => {
    const name = unique('unpriced');
    await new BudgetStore(env.pool).set({ name, limitMicros: 1_000_000, period: 'day' });
    const ledger = new BudgetLedger(env.pool);
    const before = await ledgerCount(env.pool);
    for (const maxCostMicros of [Number.NaN, undefined, null, -1, 0.5, Number.POSITIVE_INFINITY]) {
      const request = { ...call({ maxCostMicros: 0, budgetNames: [name] }), maxCostMicros } as unknown as ReserveRequest;
      await expect(ledger.reserve(request)).rejects.toThrow(UnpricedCallError);
    }
    expect(await ledgerCount(env.pool)).toBe(before);
  });

  it('counters never drift from the ledger, whatever mix of operations runs concurrently', async () => {
    const store = new BudgetStore(env.pool, { now: () => clock });
    let clock = new Date('2026-05-04T10:00:00Z');
    const names = [unique('drift-a'), unique('drift-b')];
    await store.set({ name: names[0]!, limitMicros: 3_000_000, period: 'day', tz: 'Europe/Paris' });
    await store.set({ name: names[1]!, limitMicros: 5_000_000, period: 'total', hard: false });
    const ledgers = [new BudgetLedger(env.pool, { now: () => clock }), new BudgetLedger(env.pool, { mode: 'perCall', now: () => clock })];
    const random = seeded(7);
    const worker = async (w: number) => {
      const ledger = ledgers[w % 2]!;
      for (let i = 0; i < 25; i++) {
        const budgetNames = random() < 0.5 ? [names[0]!] : [...names];
        const request = call({ maxCostMicros: 1 + Math.floor(random() * 400_000), budgetNames });
        const reserved = await ledger.reserve(request);
        if (!reserved.ok) continue;
        const roll = random();
        if (roll < 0.6) await ledger.settle(request.callId, { costMicros: Math.floor(random() * request.maxCostMicros * 1.2), usage: usage() });
        else if (roll < 0.8) await ledger.release(request.callId, 'never sent');
        if (random() < 0.2) await ledger.settle(request.callId, { costMicros: 1, usage: usage() }); // duplicate or late
        if (i === 12 && w === 0) clock = new Date('2026-05-05T10:00:00Z'); // a new period begins mid-run
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));
    clock = new Date('2026-05-06T10:00:00Z');
    await ledgers[0]!.closeStale(60_000);
    expect(await store.audit()).toEqual([]);
    const { rows } = await env.pool.query<{ spent: string; ledger: string }>(
      `select (select sum(spent_micros) from budget_periods bp join budgets b on b.id = bp.budget_id where b.name = $1) as spent,
              (select sum(l.cost_micros) from ledger l join ledger_charges c on c.call_id = l.call_id join budgets b on b.id = c.budget_id
                where b.name = $1 and l.status in ('settled', 'closed_as_spent')) as ledger`,
      [names[0]],
    );
    expect(Number(rows[0]!.spent)).toBeGreaterThan(0);
    expect(rows[0]!.spent).toBe(rows[0]!.ledger);
  });

  it('batched writes never drop rows: every accepted reservation of a batch has its ledger row and charges', async () => {
    const name = unique('batch');
    await new BudgetStore(env.pool).set({ name, limitMicros: 1_000_000_000, period: 'day' });
    const ledger = new BudgetLedger(env.pool, { group: { maxBatch: 500, maxWaitMs: 20 } });
    const reused = call({ maxCostMicros: 10, budgetNames: [name] });
    await ledger.reserve(reused);
    await ledger.settle(reused.callId, { costMicros: 10, usage: usage() });
    // 300 requests in few transactions, with bad ones among them (unknown budget, reused id)
    // that must fail alone without costing the others their rows.
    const requests = Array.from({ length: 300 }, (_, i) =>
      i % 50 === 7 ? call({ maxCostMicros: 1_000, budgetNames: [name, 'missing'] }) : i % 50 === 9 ? reused : call({ maxCostMicros: 1_000 + i, budgetNames: [name] }),
    );
    const results = await Promise.allSettled(requests.map((r) => ledger.reserve(r)));
    const accepted = results.filter((r) => r.status === 'fulfilled' && r.value.ok);
    expect(accepted).toHaveLength(288);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(12);
    const { rows } = await env.pool.query<{ rows: number; charges: number; reserved: string }>(
      `select count(distinct l.call_id)::int as rows, count(c.*)::int as charges, sum(l.reserved_micros) as reserved
       from ledger l join ledger_charges c on c.call_id = l.call_id join budgets b on b.id = c.budget_id
       where b.name = $1 and l.status = 'reserved'`,
      [name],
    );
    const expected = requests.filter((_, i) => i % 50 !== 7 && i % 50 !== 9).reduce((sum, r) => sum + r.maxCostMicros, 0);
    expect(rows[0]).toEqual({ rows: 288, charges: 288, reserved: String(expected) });
    expect(await counters(env.pool, name)).toMatchObject({ reservedMicros: expected });
  });

  it('a failed or repeated clean-up never counts spend twice', async () => {
    const name = unique('cleanup');
    let clock = new Date('2026-07-01T12:00:00Z');
    await new BudgetStore(env.pool).set({ name, limitMicros: 10_000_000, period: 'month' });
    const ledger = new BudgetLedger(env.pool, { now: () => clock });
    const request = call({ maxCostMicros: 400_000, budgetNames: [name] });
    await ledger.reserve(request);
    clock = new Date('2026-07-01T12:30:00Z');
    // Several processes clean up at once: the reservation is closed as spent exactly once.
    const closes = await Promise.all([ledger.closeStale(600_000), new BudgetLedger(env.pool, { now: () => clock }).closeStale(600_000), ledger.closeStale(600_000)]);
    expect(closes.reduce((n, c) => n + c.closed, 0)).toBe(1);
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 400_000, reservedMicros: 0 });
    expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ status: 'closed_as_spent', closed_stale: true, cost_micros: '400000' });
    // The worker was only slow: its settlement replaces the conservative amount, it does not add to it.
    expect(await ledger.settle(request.callId, { costMicros: 150_000, usage: usage() })).toMatchObject({ status: 'settled', duplicate: false, overrun: false });
    expect(await ledger.settle(request.callId, { costMicros: 150_000, usage: usage() })).toMatchObject({ duplicate: true });
    expect(await ledger.closeStale(0)).toMatchObject({ closed: 0 });
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 150_000, reservedMicros: 0 });
    expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ status: 'settled', closed_stale: true, cost_micros: '150000' });
  });
});

/** Deterministic random numbers, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

