import { describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { onBudgetChanged } from '../../src/budget/on-budget-changed.js';
import { useTestEnv, waitFor } from '../support/env.js';

const env = useTestEnv();

describe('onBudgetChanged', () => {
  it('wakes listeners with the budget name when a budget is set or deleted, and not for rejected input', async () => {
    const heard: string[] = [];
    const stop = await onBudgetChanged(env.databaseUrl, (name) => heard.push(name));
    try {
      const store = new BudgetStore(env.pool);
      await store.set({ name: 'waiting-room', limitMicros: 1_000, period: 'day' });
      await expect(store.set({ name: 'waiting-room', tz: 'Nowhere/Special' })).rejects.toThrow(/not a known time zone/);
      await store.set({ name: 'waiting-room', limitMicros: 5_000 }); // a raised limit
      await store.delete('waiting-room');
      await waitFor(() => heard.length >= 3, { what: 'three notifications' });
      expect(heard).toEqual(['waiting-room', 'waiting-room', 'waiting-room']);
    } finally {
      await stop();
    }
    const after = heard.length;
    await new BudgetStore(env.pool).set({ name: 'after-stop', limitMicros: 1, period: 'day' });
    await new Promise((resolve) => setTimeout(resolve, 100)); // nothing may arrive; there is no event to wait for
    expect(heard).toHaveLength(after);
  });
});
