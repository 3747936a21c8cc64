import { formatInZone } from '../../budget/format-in-zone.js';
import { formatDollars } from '../../pricing/money.js';

/** Money as the CLI shows it. */
export const dollars = (micros: number | null | undefined): string => (micros === null || micros === undefined ? '-' : formatDollars(micros));

/** An instant as the wall clock of `tz` shows it, with the zone. */
export const when = (date: Date | null | undefined, tz: string): string => (date ? `${formatInZone(date, tz)} ${tz}` : '-');

export const count = (n: number): string => n.toLocaleString('en-US');
