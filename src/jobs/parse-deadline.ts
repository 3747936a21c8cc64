import { InputError } from '../errors.js';

const RELATIVE = /^(\d+(?:\.\d+)?)\s*(m|h|d)$/i;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * When a job's answer is needed: `24h`, `2d`, `90m` (from `now`) or an ISO time. Returns the
 * instant; throws an InputError naming the accepted forms.
 */
export function parseDeadline(input: string, now: Date = new Date()): Date {
  const text = typeof input === 'string' ? input.trim() : '';
  const relative = RELATIVE.exec(text);
  if (relative) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase() as keyof typeof UNIT_MS];
    if (ms <= 0) throw new InputError(`deadline "${input}" is not in the future`, 'give a positive duration such as 24h or 2d');
    return new Date(now.getTime() + Math.round(ms));
  }
  if (ISO.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new InputError(`deadline "${String(input)}" is not a duration (24h, 2d, 90m) or an ISO time`, 'give 24h, 2d, 90m or an ISO time such as 2026-12-03T08:00:00Z');
}
