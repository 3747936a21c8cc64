import { InputError } from '../errors.js';

/** A day as people name it on the command line: a date, or a day relative to now in a zone. */
export type DaySpec = 'today' | 'yesterday' | (string & {});

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks an IANA time zone name and returns it as the runtime spells it. Throws an InputError
 * naming the flag when the zone is unknown.
 */
export function checkTimeZone(tz: string, flag = '--tz'): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new InputError(`${flag} "${tz}" is not a known time zone`, 'give an IANA zone name such as Europe/Berlin, America/New_York or UTC');
  }
}

/** Validates a `YYYY-MM-DD` date (a real calendar day) or `today`/`yesterday`; returns it unchanged. */
export function parseDaySpec(text: string, flag = '--date'): DaySpec {
  const value = text.trim().toLowerCase();
  if (value === 'today' || value === 'yesterday') return value;
  const match = DATE.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && year >= 1970) return value;
  }
  throw new InputError(`${flag} "${text}" is not a date`, 'give a calendar day as YYYY-MM-DD (e.g. 2026-11-24), or today or yesterday');
}

/** The calendar date (`YYYY-MM-DD`) a day spec names in `tz`, relative to `now`. */
export function resolveDay(spec: DaySpec, tz: string, now: Date = new Date()): string {
  const checked = parseDaySpec(spec);
  if (checked !== 'today' && checked !== 'yesterday') return checked;
  const today = dateIn(now, tz);
  return checked === 'today' ? today : addDays(today, -1);
}

/** The calendar date of an instant in a time zone. */
export function dateIn(instant: Date, tz: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** The machine's time zone (the default of commands that take `--tz`). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
