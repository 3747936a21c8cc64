import pg from 'pg';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BudgetLedger, newCallId } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { CallIdReusedError } from '../../src/budget/call-id-reused-error.js';
import { UnknownBudgetError } from '../../src/budget/unknown-budget-error.js';
import { UnknownCallError } from '../../src/budget/unknown-call-error.js';
import { InputError } from '../../src/errors.js';
import { useTestEnv } from '../support/env.js';
import { call, counters, ledgerCount, ledgerRow, usage } from './helpers.js';

const env = useTestEnv();
let seq = 0;
const unique = (base: string) => `${base}-${++seq}`;

describe.each(['grouped', 'perCall'] as const)('budget ledger (%s)', (mode) => {
  const ledger = () => new BudgetLedger(env.pool, { mode });
  const store = () => new BudgetStore(env.pool);

  it('moves the actual cost from reserved to spent and releases the rest', async () => {
    const name = unique('basic');
    await store().set({ name, limitMicros: 1_000_000, period: 'day' });
    const request = call({ maxCostMicros: 300_000, budgetNames: [name] });
    expect(await ledger().reserve(request)).toMatchObject({ ok: true, reservedMicros: 300_000, duplicate: false });
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 0, reservedMicros: 300_000 });
    const settled = await ledger().settle(request.callId, { costMicros: 120_000, usage: usage(42) });
    expect(settled).toMatchObject({ status: 'settled', duplicate: false, overrun: false, costMicros: 120_000, reservedMicros: 300_000 });
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 120_000, reservedMicros: 0 });
    expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ status: 'settled', cost_micros: '120000', act_output_tokens: 42 });
  });

  it('records the reasoning tokens of a settled call (a part of its output, 0 when none reported) and none for a released one', async () => {
    const thinking = call({ maxCostMicros: 10_000 });
    await ledger().reserve(thinking);
    await ledger().settle(thinking.callId, { costMicros: 900, usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 300, reasoningTokens: 250 } });
    expect(await ledgerRow(env.pool, thinking.callId)).toMatchObject({ act_output_tokens: 300, reasoning_tokens: 250 });
    const plain = call({ maxCostMicros: 10_000 });
    await ledger().reserve(plain);
    await ledger().settle(plain.callId, { costMicros: 100, usage: usage(42) });
    expect(await ledgerRow(env.pool, plain.callId)).toMatchObject({ act_output_tokens: 42, reasoning_tokens: 0 });
    const released = call({ maxCostMicros: 10_000 });
    await ledger().reserve(released);
    await ledger().release(released.callId, 'never sent');
    expect(await ledgerRow(env.pool, released.callId)).toMatchObject({ status: 'released', reasoning_tokens: null });
  });

  it('charges a job to its named budgets, every global budget and its kind budget, all or nothing', async () => {
    const named = unique('named');
    const global = unique('global');
    const kind = unique('kind');
    const otherKind = unique('other-kind');
    await store().set({ name: named, limitMicros: 10_000_000, period: 'month' });
    await store().set({ name: global, limitMicros: 1_000_000, period: 'month', scope: 'global' });
    await store().set({ name: kind, limitMicros: 10_000_000, period: 'month', scope: 'kind:classify' });
    await store().set({ name: otherKind, limitMicros: 10_000_000, period: 'month', scope: 'kind:report' });
    const firstCall = call({ kind: 'classify', maxCostMicros: 600_000, budgetNames: [named] });
    const first = await ledger().reserve(firstCall);
    expect(first.ok && first.budgets.map((b) => b.name).sort()).toEqual([global, kind, named].sort());
    // The global budget has 400,000 left: a second 600,000 call is refused there, and nothing
    // is reserved on the named or kind budgets either.
    const second = await ledger().reserve(call({ kind: 'classify', maxCostMicros: 600_000, budgetNames: [named] }));
    expect(second).toMatchObject({ ok: false, reason: 'no_room', blockingBudget: global, roomOnSettle: true });
    expect(await counters(env.pool, named)).toMatchObject({ reservedMicros: 600_000 });
    expect(await counters(env.pool, kind)).toMatchObject({ reservedMicros: 600_000 });
    expect(await counters(env.pool, otherKind)).toMatchObject({ reservedMicros: 0 });
    // Global and kind budgets would apply to the other tests of this file; it can go once nothing is open on it.
    await expect(store().delete(global)).rejects.toThrow(/open reservation/);
    await ledger().release(firstCall.callId, 'test done');
    for (const scoped of [global, kind, otherKind]) await store().delete(scoped);
  });

  it('charges soft budgets without ever refusing on them', async () => {
    const soft = unique('soft');
    await store().set({ name: soft, limitMicros: 100, period: 'total', hard: false });
    const result = await ledger().reserve(call({ maxCostMicros: 5_000, budgetNames: [soft] }));
    expect(result.ok).toBe(true);
    expect(await counters(env.pool, soft)).toMatchObject({ reservedMicros: 5_000 });
  });

  it('refuses a job naming an unknown budget and writes nothing', async () => {
    const known = unique('known');
    await store().set({ name: known, limitMicros: 1_000_000, period: 'day' });
    const before = await ledgerCount(env.pool);
    const request = call({ maxCostMicros: 1_000, budgetNames: [known, 'no-such-budget'] });
    await expect(ledger().reserve(request)).rejects.toThrow(UnknownBudgetError);
    await expect(ledger().reserve(request)).rejects.toThrow(/no budget named "no-such-budget"/);
    expect(await ledgerCount(env.pool)).toBe(before);
    expect(await counters(env.pool, known)).toMatchObject({ reservedMicros: 0 });
  });

  it('writes a ledger row for a call no budget applies to', async () => {
    const request = call({ kind: 'extract', maxCostMicros: 1_000 });
    expect(await ledger().reserve(request)).toMatchObject({ ok: true, budgets: [] });
    expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ status: 'reserved', reserved_micros: '1000' });
  });

  it('settles idempotently: a second settlement of the same call changes nothing', async () => {
    const name = unique('idem');
    await store().set({ name, limitMicros: 1_000_000, period: 'day' });
    const request = call({ maxCostMicros: 50_000, budgetNames: [name] });
    await ledger().reserve(request);
    const l = ledger();
    // Duplicates both in one batch and from separate ledgers (as from two processes).
    const results = await Promise.all([
      l.settle(request.callId, { costMicros: 20_000, usage: usage() }),
      l.settle(request.callId, { costMicros: 20_000, usage: usage() }),
      ledger().settle(request.callId, { costMicros: 20_000, usage: usage() }),
    ]);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const later = await ledger().settle(request.callId, { costMicros: 45_000, usage: usage() });
    expect(later).toMatchObject({ duplicate: true, costMicros: 20_000 });
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 20_000, reservedMicros: 0 });
  });

  it('records an overrun at its actual cost, flags it and counts it on the budget', async () => {
    const name = unique('overrun');
    await store().set({ name, limitMicros: 1_000_000, period: 'day' });
    const request = call({ maxCostMicros: 10_000, budgetNames: [name] });
    await ledger().reserve(request);
    const settled = await ledger().settle(request.callId, { costMicros: 13_000, usage: usage(900) });
    expect(settled).toMatchObject({ overrun: true, duplicate: false, costMicros: 13_000, reservedMicros: 10_000, model: request.model });
    expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ overrun: true, cost_micros: '13000' });
    const status = await store().status(name);
    expect(status).toMatchObject({ spentMicros: 13_000, reservedMicros: 0, overrunCount: 1, overrunMicros: 3_000 });
    expect(await ledger().settle(request.callId, { costMicros: 13_000, usage: usage(900) })).toMatchObject({ overrun: true, duplicate: true });
    expect((await store().status(name)).overrunCount).toBe(1);
  });

  it('releases a reservation for a call that never reached the provider', async () => {
    const name = unique('release');
    await store().set({ name, limitMicros: 1_000_000, period: 'day' });
    const request = call({ maxCostMicros: 70_000, budgetNames: [name] });
    await ledger().reserve(request);
    expect(await ledger().release(request.callId, 'provider not configured')).toEqual({ callId: request.callId, released: true, status: 'released' });
    expect(await ledger().release(request.callId, 'again')).toMatchObject({ released: false, status: 'released' });
    expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 0, reservedMicros: 0 });
    expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ status: 'released', error: 'released: provider not configured' });
  });

  it('records a call settled after its release at its cost, as an overrun (truth first)', async () => {
    const name = unique('late');
    await store().set({ name, limitMicros: 1_000_000, period: 'day' });
    const request = call({ maxCostMicros: 70_000, budgetNames: [name] });
    await ledger().reserve(request);
    await ledger().release(request.callId, 'timeout before sending');
    expect(await ledger().settle(request.callId, { costMicros: 5_000, usage: usage() })).toMatchObject({ status: 'settled', overrun: true });
    expect(await store().status(name)).toMatchObject({ spentMicros: 5_000, reservedMicros: 0, overrunCount: 1, overrunMicros: 5_000 });
  });

  it('answers a repeated reservation of an open call again without reserving twice', async () => {
    const name = unique('dup');
    await store().set({ name, limitMicros: 1_000_000, period: 'day' });
    const request = call({ maxCostMicros: 100_000, budgetNames: [name] });
    const l = ledger();
    const [a, b] = await Promise.all([l.reserve(request), l.reserve(request)]);
    const again = await ledger().reserve(request);
    expect([a, b, again].every((r) => r.ok)).toBe(true);
    expect([a, b, again].filter((r) => r.ok && !r.duplicate)).toHaveLength(1);
    expect(again.ok && again.budgets.map((x) => x.name)).toEqual([name]);
    expect(await counters(env.pool, name)).toMatchObject({ reservedMicros: 100_000 });
    await ledger().settle(request.callId, { costMicros: 1, usage: usage() });
    await expect(ledger().reserve(request)).rejects.toThrow(CallIdReusedError);
  });

  it('refuses to settle or release a call that was never reserved', async () => {
    await expect(ledger().settle(newCallId(), { costMicros: 1, usage: usage() })).rejects.toThrow(UnknownCallError);
    await expect(ledger().release(newCallId(), 'x')).rejects.toThrow(UnknownCallError);
  });

  it('rejects malformed requests before touching the database', async () => {
    await expect(ledger().reserve(call({ callId: 'not-a-uuid', maxCostMicros: 1 }))).rejects.toThrow(InputError);
    await expect(ledger().settle(newCallId(), { costMicros: -1, usage: usage() })).rejects.toThrow(/costMicros -1/);
    await expect(ledger().settle(newCallId(), { costMicros: 0.5, usage: usage() })).rejects.toThrow(InputError);
  });

  it('tells a refused job when room can appear: the next period start of the blocking budget', async () => {
    const name = unique('full');
    await store().set({ name, limitMicros: 100_000, period: 'day', tz: 'Asia/Tokyo' });
    await ledger().reserve(call({ maxCostMicros: 90_000, budgetNames: [name] }));
    const refused = await ledger().reserve(call({ maxCostMicros: 20_000, budgetNames: [name] }));
    const status = await store().status(name);
    expect(refused).toMatchObject({ ok: false, reason: 'no_room', blockingBudget: name, neededMicros: 20_000, reservedMicros: 90_000, roomOnSettle: true });
    expect(!refused.ok && refused.retryAt?.toISOString()).toBe(status.periodEnd?.toISOString());
    expect(status.refusedCount).toBe(1);
    expect(status.exhausted).toBe(false); // room comes back when the open reservation settles
  });

  it('counts a hard budget as exhausted once spending alone leaves no room for a call', async () => {
    const name = unique('exhausted');
    await store().set({ name, limitMicros: 100_000, period: 'total' });
    const request = call({ maxCostMicros: 90_000, budgetNames: [name] });
    await ledger().reserve(request);
    await ledger().settle(request.callId, { costMicros: 90_000, usage: usage() });
    const refused = await ledger().reserve(call({ maxCostMicros: 20_000, budgetNames: [name] }));
    expect(refused).toMatchObject({ ok: false, retryAt: null, roomOnSettle: false });
    expect((await store().status(name)).exhausted).toBe(true);
    await store().set({ name, limitMicros: 200_000 });
    expect((await store().status(name)).exhausted).toBe(false);
  });
});

describe('budget ledger without Postgres', () => {
  it('answers every waiting caller with the connection error instead of hanging or retrying each alone', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/nowhere', connectionTimeoutMillis: 1_000 });
    pool.on('error', () => {});
    try {
      const ledger = new BudgetLedger(pool, { logger: pino({ level: 'silent' }) });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => ledger.reserve(call({ maxCostMicros: 1 }))));
      expect(results.map((r) => r.status)).toEqual(Array(20).fill('rejected'));
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/ECONNREFUSED/);
    } finally {
      await pool.end();
    }
  });
});
