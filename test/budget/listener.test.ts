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
    // A second listener hears the next change; by then the stopped one would have heard it too.
    const after = heard.length;
    const later: string[] = [];
    const stopLater = await onBudgetChanged(env.databaseUrl, (name) => later.push(name));
    try {
      await new BudgetStore(env.pool).set({ name: 'after-stop', limitMicros: 1, period: 'day' });
      await waitFor(() => later.includes('after-stop'), { what: 'the second listener' });
    } finally {
      await stopLater();
    }
    expect(heard).toHaveLength(after);
  });
});
