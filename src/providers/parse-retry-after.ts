/** Response headers as the SDKs hand them over (a fetch `Headers`) or as a plain object. */
export type HeadersLike = Headers | Record<string, string | string[] | undefined>;

function headerGetter(headers: HeadersLike): (name: string) => string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (name) => (headers as Headers).get(name) ?? undefined;
  }
  const lower = new Map<string, string>();
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) lower.set(key.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return (name) => lower.get(name);
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * Milliseconds in a Go-style duration as OpenAI and Groq write their reset headers
 * (`20ms`, `7.66s`, `6m0s`, `2m59.56s`, `1h2m`); undefined when it is not one.
 */
export function parseDurationMs(value: string): number | undefined {
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(DURATION_PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.ceil(total);
}

function parseSecondsOrDate(value: string, nowMs: number): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * How long a rate-limited caller should wait, from a 429's headers, in this order:
 * `retry-after-ms`; `retry-after` (seconds or an HTTP date); then the vendor's reset headers for
 * the limits that are spent (remaining = 0), or the longest of them when none says it is spent:
 * OpenAI/Groq `x-ratelimit-reset-{requests,tokens}` (durations such as `6m0s`), Anthropic
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (RFC 3339 times).
 * Undefined when the headers say nothing usable.
 */
export function parseRetryAfterMs(headers: HeadersLike | undefined, nowMs: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = headerGetter(headers);

  const ms = get('retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));

  const retryAfter = get('retry-after');
  if (retryAfter !== undefined) {
    const parsed = parseSecondsOrDate(retryAfter, nowMs);
    if (parsed !== undefined) return parsed;
  }

  const candidates: { waitMs: number; spent: boolean }[] = [];
  for (const limit of ['requests', 'tokens']) {
    const reset = get(`x-ratelimit-reset-${limit}`);
    const waitMs = reset === undefined ? undefined : (parseDurationMs(reset) ?? parseSecondsOrDate(reset, nowMs));
    if (waitMs !== undefined) candidates.push({ waitMs, spent: get(`x-ratelimit-remaining-${limit}`)?.trim() === '0' });
  }
  for (const limit of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    const reset = get(`anthropic-ratelimit-${limit}-reset`);
    const at = reset === undefined ? NaN : Date.parse(reset);
    if (!Number.isNaN(at)) candidates.push({ waitMs: Math.max(0, at - nowMs), spent: get(`anthropic-ratelimit-${limit}-remaining`)?.trim() === '0' });
  }
  if (candidates.length === 0) return undefined;
  const spent = candidates.filter((c) => c.spent);
  return Math.max(...(spent.length > 0 ? spent : candidates).map((c) => c.waitMs));
}

/**
 * The wait a Gemini 429 asks for: `google.rpc.RetryInfo.retryDelay` (`"38s"`, `"0.5s"`) in the
 * error body's `details`. Gemini puts it there rather than in a header.
 */
export function parseGoogleRetryDelayMs(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const record = detail as { '@type'?: unknown; retryDelay?: unknown };
    if (typeof record['@type'] === 'string' && record['@type'].endsWith('google.rpc.RetryInfo') && typeof record.retryDelay === 'string') {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(record.retryDelay.trim());
      if (match) return Math.ceil(Number(match[1]) * 1000);
    }
  }
  return undefined;
}
