import type { Usage } from '../../pricing/types.js';
import { isTokenCount } from '../estimate-usage.js';

/** The `usage` object of an OpenAI-style chat completion (OpenAI, Groq, OpenAI-compatible servers). */
export interface OpenAIStyleUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
}

/**
 * frugal's usage from an OpenAI-style `usage`; undefined when it is missing or malformed.
 * `prompt_tokens` already includes the cached tokens.
 */
export function convertOpenAIUsage(usage: OpenAIStyleUsage | null | undefined): Usage | undefined {
  if (!usage || !isTokenCount(usage.prompt_tokens) || !isTokenCount(usage.completion_tokens)) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    cachedInputTokens: isTokenCount(cached) ? Math.min(cached, usage.prompt_tokens) : 0,
    outputTokens: usage.completion_tokens,
  };
}
