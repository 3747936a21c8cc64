import { onNotification } from '../db/on-notification.js';
import { BUDGET_CHANGED_CHANNEL } from './budget-store.js';

export interface OnBudgetChangedOptions {
  /** Delay before reconnecting after the listening connection is lost. Default 1,000 ms. */
  reconnectDelayMs?: number;
}

/** Passed instead of a budget name after a reconnection: notifications may have been missed. */
export const ANY_BUDGET = '*';

/**
 * Calls `callback(budgetName)` whenever a budget is set or deleted (limit raised, budget
 * changed), so jobs waiting for room can wake at once instead of at their retry time. Keeps one
 * dedicated connection LISTENing and reconnects when it is lost, then calls `callback('*')`
 * because changes may have been missed meanwhile. Resolves once listening; call the returned
 * function to stop.
 */
export async function onBudgetChanged(
  databaseUrl: string,
  callback: (budgetName: string) => void,
  options: OnBudgetChangedOptions = {},
): Promise<() => Promise<void>> {
  return onNotification(databaseUrl, BUDGET_CHANGED_CHANNEL, (payload) => callback(payload ?? ANY_BUDGET), {
    applicationName: 'frugal-budget-listener',
    ...(options.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: options.reconnectDelayMs }),
  });
}
