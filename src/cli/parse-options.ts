import { InputError } from '../errors.js';
import { TIERS, type Tier } from '../pricing/types.js';

/** Commander accumulator for repeatable options (`--budget a --budget b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseTier(text: string, flag = '--tier'): Tier {
  const tier = text.trim().toLowerCase();
  if (!(TIERS as readonly string[]).includes(tier)) throw new InputError(`${flag} "${text}" is not a tier`, `give one of ${TIERS.join(', ')}`);
  return tier as Tier;
}

export function parseCount(text: string, flag: string, options: { min?: number; max?: number } = {}): number {
  const min = options.min ?? 1;
  const max = options.max ?? 1_000_000;
  const trimmed = text.trim();
  const value = Number(trimmed.replaceAll('_', '').replaceAll(',', ''));
  // Separators only between groups of three: "1,5" is not 15.
  if (!/^(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:_\d{3})+|\d+)$/.test(trimmed) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InputError(`${flag} "${text}" is not a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`, `e.g. ${flag} ${Math.max(min, Math.min(max, 20))}`);
  }
  return value;
}

const AGE_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** An age such as `30d`, `12h`, `2w`, `45m` or `90s`, in milliseconds. */
export function parseAge(text: string, flag: string): number {
  const match = /^(\d{1,6})\s*([smhdw])$/i.exec(text.trim());
  if (!match) throw new InputError(`${flag} "${text}" is not an age`, `give a number and a unit (s, m, h, d or w), e.g. ${flag} 30d`);
  const ms = Number(match[1]) * AGE_UNITS[match[2]!.toLowerCase()]!;
  if (ms <= 0) throw new InputError(`${flag} "${text}" must be longer than zero`, `e.g. ${flag} 30d`);
  return ms;
}
