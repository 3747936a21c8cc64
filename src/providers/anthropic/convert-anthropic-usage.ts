import type { Usage } from '../../pricing/types.js';
import { isTokenCount } from '../estimate-usage.js';

/** The `usage` object of an Anthropic message. */
export interface AnthropicUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  output_tokens_details?: { thinking_tokens?: unknown } | null;
}

const countOrZero = (value: unknown): number => (isTokenCount(value) ? value : 0);

/**
 * frugal's usage from an Anthropic `usage`; undefined when missing or malformed. Anthropic's
 * `input_tokens` excludes cache reads and cache writes, so all three are added up; cache reads
 * are the cached input; `output_tokens_details.thinking_tokens` is the reasoning part of the
 * output. (Cache writes are priced above plain input; they count as plain input here.)
 */
export function convertAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage | undefined {
  if (!usage || !isTokenCount(usage.input_tokens) || !isTokenCount(usage.output_tokens)) return undefined;
  const cacheRead = countOrZero(usage.cache_read_input_tokens);
  // thinking_tokens is a part of output_tokens (the inclusive, billed total), never added on top.
  const thinking = Math.min(countOrZero(usage.output_tokens_details?.thinking_tokens), usage.output_tokens);
  return {
    inputTokens: usage.input_tokens + countOrZero(usage.cache_creation_input_tokens) + cacheRead,
    cachedInputTokens: cacheRead,
    outputTokens: usage.output_tokens,
    ...(thinking > 0 ? { reasoningTokens: thinking } : {}),
  };
}
