import { formatDollars } from '../pricing/money.js';
import { formatInZone } from './format-in-zone.js';
import type { Period } from './types.js';

export interface AlertTextInput {
  budgetName: string;
  threshold: number;
  spentMicros: number;
  limitMicros: number;
  hard: boolean;
  period: Period;
  tz: string;
  periodStart: Date;
}

/** One line for Slack and the log: which budget, how far, and which period. */
export function formatAlertText(alert: AlertTextInput): string {
  const since = alert.period === 'total' ? 'in total' : `this ${alert.period} (since ${formatInZone(alert.periodStart, alert.tz)} ${alert.tz})`;
  const consequence = alert.hard ? 'hard limit: calls that do not fit are refused' : 'soft limit: spending continues';
  return `frugal: budget "${alert.budgetName}" reached ${alert.threshold}% — ${formatDollars(alert.spentMicros)} of ${formatDollars(alert.limitMicros)} spent ${since}; ${consequence}.`;
}
