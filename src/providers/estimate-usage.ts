import { countTokens } from '../pricing/tokenizer.js';
import type { Usage } from '../pricing/types.js';
import type { ChatRequest } from './types.js';

/**
 * Estimates a call's usage from the request and the answer text, for answers whose usage is
 * missing or malformed. The lead wires the pricing module's calibrated estimator in here.
 */
export type EstimateUsage = (request: ChatRequest, responseText: string) => Usage;

/** Default estimator: tiktoken `cl100k_base` counts of the prompt (system, messages, schema) and the answer. */
export const estimateUsageWithTiktoken: EstimateUsage = (request, responseText) => {
  let inputTokens = countTokens(request.system ?? '', 'cl100k_base');
  for (const message of request.messages) inputTokens += countTokens(message.content, 'cl100k_base');
  if (request.output) inputTokens += countTokens(JSON.stringify(request.output.schema), 'cl100k_base');
  return { inputTokens, cachedInputTokens: 0, outputTokens: countTokens(responseText, 'cl100k_base') };
};

/** True for a usable token count: a non-negative safe integer. */
export function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
