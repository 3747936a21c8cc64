import { describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { useTestEnv } from '../support/env.js';
import { call, counters, ledgerRow, usage } from './helpers.js';

const env = useTestEnv();

describe('reserve and settle', () => {
  for (const mode of ['grouped', 'perCall'] as const) {
    it(`moves the actual cost from reserved to spent and releases the rest (${mode})`, async () => {
      const store = new BudgetStore(env.pool);
      const name = `basic-${mode}`;
      await store.set({ name, limitMicros: 1_000_000, period: 'day' });
      const ledger = new BudgetLedger(env.pool, { mode });
      const request = call({ maxCostMicros: 300_000, budgetNames: [name] });
      const reserved = await ledger.reserve(request);
      expect(reserved).toMatchObject({ ok: true, reservedMicros: 300_000, duplicate: false });
      expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 0, reservedMicros: 300_000 });
      const settled = await ledger.settle(request.callId, { costMicros: 120_000, usage: usage(42) });
      expect(settled).toMatchObject({ status: 'settled', duplicate: false, overrun: false, costMicros: 120_000, reservedMicros: 300_000 });
      expect(await counters(env.pool, name)).toMatchObject({ spentMicros: 120_000, reservedMicros: 0 });
      expect(await ledgerRow(env.pool, request.callId)).toMatchObject({ status: 'settled', cost_micros: '120000', act_output_tokens: 42 });
      expect(await store.audit()).toEqual([]);
    });
  }
});
