import { InputError } from '../errors.js';

/**
 * Money is integer micro-dollars everywhere (1 USD = 1,000,000 µ$). Floats never hold money:
 * dollars typed by people are parsed from their decimal text, not through parseFloat.
 */
export const MICROS_PER_DOLLAR = 1_000_000;

/**
 * Parses a dollar amount such as `25`, `0.5`, `$1,250.75`, `1_000` or `0.000125` into
 * micro-dollars. Separators are accepted only between groups of three digits, so `1,5` (a
 * decimal comma in many locales) is an error rather than $15.
 */
export function parseDollars(text: string, what = 'amount'): number {
  const trimmed = text.trim().replace(/^\$/, '');
  const example = 'give a non-negative number of dollars with at most 6 decimals, e.g. 25 or 0.05';
  if (/^\d+,\d{1,2}$/.test(trimmed) || /^\d{1,3}(?:,\d{3})+,\d{1,2}$/.test(trimmed)) {
    throw new InputError(`${what} "${text}" has a decimal comma`, `use a dot for decimals, e.g. ${trimmed.replace(/,(\d{1,2})$/, '.$1').replaceAll(',', '')}`);
  }
  const match = /^(\d{1,3}(?:,\d{3})+|\d{1,3}(?:_\d{3})+|\d+)(?:\.(\d{1,6}))?$/.exec(trimmed);
  if (!match) {
    const hint = /[,_]/.test(trimmed) ? 'separate thousands in groups of three (1,000 or 1_000) and use a dot for decimals' : example;
    throw new InputError(`${what} "${text}" is not a dollar amount`, hint);
  }
  const whole = Number(match[1]!.replaceAll(',', '').replaceAll('_', ''));
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  const micros = whole * MICROS_PER_DOLLAR + fraction;
  if (!Number.isSafeInteger(micros)) throw new InputError(`${what} "${text}" is too large`, 'give at most 9,000,000,000 dollars');
  return micros;
}

/**
 * Formats micro-dollars for people: cents for amounts of a cent or more (`$12.34`), and every
 * significant digit below a cent (`$0.000125`), so small LLM costs never show as `$0.00`.
 */
export function formatDollars(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_DOLLAR);
  const fraction = abs % MICROS_PER_DOLLAR;
  const wholeText = whole.toLocaleString('en-US');
  if (abs >= 10_000 || fraction === 0) {
    const cents = Math.round(fraction / 10_000);
    // Rounding 99.5 cents up carries into the dollars.
    if (cents === 100) return `${sign}$${(whole + 1).toLocaleString('en-US')}.00`;
    return `${sign}$${wholeText}.${String(cents).padStart(2, '0')}`;
  }
  const digits = String(fraction).padStart(6, '0').replace(/0+$/, '');
  return `${sign}$${wholeText}.${digits.length < 2 ? digits.padEnd(2, '0') : digits}`;
}
