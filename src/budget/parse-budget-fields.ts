import { InputError } from '../errors.js';
import { KINDS } from '../pricing/types.js';
import { PERIODS, type BudgetScope, type Period } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function parseBudgetName(name: string): string {
  if (!NAME.test(name)) {
    throw new InputError(
      `budget name ${JSON.stringify(name)} is not valid`,
      'use 1 to 64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit',
    );
  }
  return name;
}

export function parsePeriod(text: string): Period {
  const period = text.trim().toLowerCase();
  if (!(PERIODS as readonly string[]).includes(period)) {
    throw new InputError(`--period "${text}" is not a known period`, `use one of ${PERIODS.join(', ')}`);
  }
  return period as Period;
}

/** `named`, `global` or `kind:<kind>` with a kind frugal knows. */
export function parseScope(text: string): BudgetScope {
  const scope = text.trim();
  if (scope === 'named' || scope === 'global') return scope;
  if (scope.startsWith('kind:')) {
    const kind = scope.slice('kind:'.length);
    if ((KINDS as readonly string[]).includes(kind)) return `kind:${kind}`;
    throw new InputError(`--scope "${text}" names an unknown kind "${kind}"`, `use kind:${KINDS.join(', kind:')}`);
  }
  throw new InputError(`--scope "${text}" is not a known scope`, `use named, global or kind:<kind> (kinds: ${KINDS.join(', ')})`);
}

/**
 * Alert thresholds as percentages: `50,80,100`, or `none` for no alerts. Above 100 is allowed
 * (a soft budget can be overspent). Returned ascending without duplicates.
 */
export function parseThresholds(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  const values = trimmed.split(',').map((part) => {
    const value = Number(part.trim().replace(/%$/, ''));
    if (!Number.isInteger(value) || value < 1 || value > 1000) {
      throw new InputError(`--alerts "${text}" has "${part.trim()}", not a whole percentage from 1 to 1000`, 'give percentages like 50,80,100 (or none)');
    }
    return value;
  });
  return [...new Set(values)].sort((a, b) => a - b);
}

export function checkThresholds(values: readonly number[]): number[] {
  return parseThresholds(values.join(',') || 'none');
}

/** A limit already in micro-dollars (API callers); the CLI parses dollars with parseDollars. */
export function checkLimitMicros(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`limit ${String(value)} is not a non-negative whole number of micro-dollars`, 'give the limit in dollars, e.g. --limit 25');
  }
  return value;
}
