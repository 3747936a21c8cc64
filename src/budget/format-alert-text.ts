import { formatDollars } from '../pricing/money.js';
import { formatInZone } from './format-in-zone.js';
import type { AlertKind, Period } from './types.js';

export interface AlertTextInput {
  /** Default `threshold`. */
  kind?: AlertKind;
  /** For an `exhausted` alert: jobs waiting for the budget when the alert is sent. */
  waitingJobs?: number;
  budgetName: string;
  threshold: number;
  spentMicros: number;
  limitMicros: number;
  hard: boolean;
  period: Period;
  tz: string;
  periodStart: Date;
}

/** One line for Slack and the log: which budget, how far (or that it is exhausted), and which period. */
export function formatAlertText(alert: AlertTextInput): string {
  const since = alert.period === 'total' ? 'in total' : `this ${alert.period} (since ${formatInZone(alert.periodStart, alert.tz)} ${alert.tz})`;
  if (alert.kind === 'exhausted') {
    const resumes = alert.period === 'total' ? 'they run once the limit is raised' : `they run when the next ${alert.period} starts, or sooner if the limit is raised`;
    // Refusals start below 100 %: the percentage tells "$0.10 of $0.10" at 98 % apart from a full budget.
    const percent = alert.limitMicros > 0 ? Math.floor((alert.spentMicros * 100) / alert.limitMicros) : 100;
    return `frugal: budget "${alert.budgetName}" exhausted: ${alert.waitingJobs ?? 0} job(s) waiting for budget — ${percent}% spent (${formatDollars(alert.spentMicros)} of ${formatDollars(alert.limitMicros)}) ${since}; ${resumes}.`;
  }
  const consequence = alert.hard ? 'hard limit: calls that do not fit are refused' : 'soft limit: spending continues';
  return `frugal: budget "${alert.budgetName}" reached ${alert.threshold}% — ${formatDollars(alert.spentMicros)} of ${formatDollars(alert.limitMicros)} spent ${since}; ${consequence}.`;
}
