/**
 * A value in the form extract answers are compared in: strings NFKC-normalized, trimmed,
 * whitespace collapsed and case-folded; numeric strings as numbers; arrays as multisets (sorted
 * by their normalized JSON); objects key by key.
 */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string') {
    const text = value.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
    const asNumber = text === '' ? Number.NaN : Number(text.replace(/,/g, ''));
    return Number.isFinite(asNumber) && /^[-+]?[\d,]*\.?\d+(e[-+]?\d+)?$/.test(text) ? asNumber : text;
  }
  if (Array.isArray(value)) return value.map(normalizeValue).map((v) => JSON.stringify(v)).sort();
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, normalizeValue((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Whether two answers' values are equal after normalizing. */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalizeValue(a)) === JSON.stringify(normalizeValue(b));
}
