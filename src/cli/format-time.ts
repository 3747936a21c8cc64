import { formatInZone } from '../budget/format-in-zone.js';
import { localTimeZone } from '../reports/report-day.js';

/**
 * The one way human output shows an instant: local time with the zone named,
 * `2026-12-01 22:04 Europe/Berlin` (as `budget show` shows periods). JSON output keeps ISO 8601.
 * `-` for a missing time.
 */
export function formatTime(value: Date | string | number | null | undefined, tz: string = localTimeZone()): string {
  if (value === null || value === undefined) return '-';
  return `${formatInZone(new Date(value), tz)} ${tz}`;
}

/** A time in a table cell, without the zone: the column header names it (`timeHeader`). */
export function formatTableTime(value: Date | string | number | null | undefined, tz: string = localTimeZone()): string {
  if (value === null || value === undefined) return '-';
  return formatInZone(new Date(value), tz);
}

/** A table header for a time column, naming the zone: `AT (Europe/Berlin)`. */
export function timeHeader(name: string, tz: string = localTimeZone()): string {
  return `${name} (${tz})`;
}
