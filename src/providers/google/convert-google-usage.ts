import type { Usage } from '../../pricing/types.js';
import { isTokenCount } from '../estimate-usage.js';

/** The `usageMetadata` of a Gemini `generateContent` answer. */
export interface GoogleUsage {
  promptTokenCount?: unknown;
  candidatesTokenCount?: unknown;
  thoughtsTokenCount?: unknown;
  toolUsePromptTokenCount?: unknown;
  cachedContentTokenCount?: unknown;
  totalTokenCount?: unknown;
}

/**
 * frugal's usage from Gemini's `usageMetadata`; undefined when missing or malformed.
 * `promptTokenCount` includes the cached tokens. `candidatesTokenCount` leaves out the thoughts,
 * which are billed as output: output = candidates + thoughts, and the thoughts are its reasoning
 * part (never added a second time). Gemini leaves zero counts out, so an absent candidates count
 * is derived from the total when present.
 */
export function convertGoogleUsage(usage: GoogleUsage | null | undefined): Usage | undefined {
  if (!usage || !isTokenCount(usage.promptTokenCount)) return undefined;
  const toolPrompt = isTokenCount(usage.toolUsePromptTokenCount) ? usage.toolUsePromptTokenCount : 0;
  const thoughts = isTokenCount(usage.thoughtsTokenCount) ? usage.thoughtsTokenCount : 0;
  const inputTokens = usage.promptTokenCount + toolPrompt;
  let outputTokens: number;
  if (isTokenCount(usage.candidatesTokenCount)) outputTokens = usage.candidatesTokenCount + thoughts;
  else if (isTokenCount(usage.totalTokenCount) && usage.totalTokenCount >= inputTokens) outputTokens = usage.totalTokenCount - inputTokens;
  else return undefined;
  const cached = usage.cachedContentTokenCount;
  const reasoningTokens = Math.min(thoughts, outputTokens);
  return {
    inputTokens,
    cachedInputTokens: isTokenCount(cached) ? Math.min(cached, inputTokens) : 0,
    outputTokens,
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
  };
}
