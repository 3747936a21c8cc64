import type { AlertStore } from './alert-store.js';
import type { BudgetStore } from './budget-store.js';
import type { BudgetAlert, BudgetStatus } from './types.js';

export interface BudgetCheck {
  /** False when a hard budget is exhausted or an unacknowledged alert is at or over 100% or says exhausted. */
  ok: boolean;
  exhausted: BudgetStatus[];
  alerts: BudgetAlert[];
}

/** What `frugal alerts check` reports to cron and monitoring. */
export async function checkBudgets(budgets: BudgetStore, alerts: AlertStore): Promise<BudgetCheck> {
  const exhausted = (await budgets.list()).filter((b) => b.exhausted);
  const full = (await alerts.list({ unacknowledged: true, limit: 1000 })).filter((a) => a.threshold >= 100 || a.kind === 'exhausted');
  return { ok: exhausted.length === 0 && full.length === 0, exhausted, alerts: full };
}
