import type { Usage } from '../../pricing/types.js';
import { isTokenCount } from '../estimate-usage.js';

/** The `usage` object of an OpenAI-style chat completion (OpenAI, Groq, OpenAI-compatible servers). */
export interface OpenAIStyleUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

/**
 * frugal's usage from an OpenAI-style `usage`; undefined when it is missing or malformed.
 * `prompt_tokens` already includes the cached tokens; `completion_tokens` already includes
 * `completion_tokens_details.reasoning_tokens`.
 */
export function convertOpenAIUsage(usage: OpenAIStyleUsage | null | undefined): Usage | undefined {
  if (!usage || !isTokenCount(usage.prompt_tokens) || !isTokenCount(usage.completion_tokens)) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  const reasoningTokens = isTokenCount(reasoning) ? Math.min(reasoning, usage.completion_tokens) : 0;
  return {
    inputTokens: usage.prompt_tokens,
    cachedInputTokens: isTokenCount(cached) ? Math.min(cached, usage.prompt_tokens) : 0,
    outputTokens: usage.completion_tokens,
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
  };
}
