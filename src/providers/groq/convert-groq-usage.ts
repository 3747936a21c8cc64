import type { Usage } from '../../pricing/types.js';
import { convertOpenAIUsage, type OpenAIStyleUsage } from '../openai/convert-openai-usage.js';

/**
 * frugal's usage from a Groq completion's `usage`; undefined when missing or malformed. Groq
 * reports it in OpenAI's shape (cached tokens in `prompt_tokens_details.cached_tokens`) plus
 * timing fields; `x_groq.usage` holds hardware cache statistics, not billing counts.
 */
export function convertGroqUsage(usage: OpenAIStyleUsage | null | undefined): Usage | undefined {
  return convertOpenAIUsage(usage);
}
