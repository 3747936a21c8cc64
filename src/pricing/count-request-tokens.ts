import type { Encoding } from './tokenizer.js';
import { countTokens } from './tokenizer.js';
import type { Kind } from './types.js';

/** What a job will send to a model, for estimating before the call. Treat it as immutable. */
export interface EstimateRequest {
  kind: Kind;
  system?: string;
  messages: ReadonlyArray<{ role: string; content: string }>;
  /** JSON Schema of the structured answer; it travels with the request and counts as input. */
  schema?: Record<string, unknown>;
  /** The job's output cap in tokens. */
  maxOutputTokens?: number;
  /** The job's output cap in words, converted at {@link TOKENS_PER_WORD}. */
  maxWords?: number;
}

/**
 * Tokens per message for the chat template around it: OpenAI documents 3 (plus 1 for a name),
 * Llama 3's header and end-of-turn take 5. The larger is used.
 */
export const MESSAGE_OVERHEAD_TOKENS = 5;
/** Tokens that prime the reply (`<|start|>assistant<|message|>` and the like). */
export const REPLY_PRIMING_TOKENS = 3;
/** Tokens around a structured-output schema (its name, wrapper object, instructions). */
export const SCHEMA_OVERHEAD_TOKENS = 20;

interface CountCache {
  cl100k_base: number;
  o200k_base: number;
  schemaText: string | undefined;
}

// One entry per request object: estimating several candidate models with the same encoding
// tokenizes the text once.
const counts = new WeakMap<EstimateRequest, CountCache>();

/**
 * Raw tiktoken count of everything `request` sends as input in `encoding` (system prompt,
 * messages, schema, chat-format overhead), before any per-model correction. Memoized per
 * request object and encoding.
 */
export function countRequestTokens(request: EstimateRequest, encoding: Encoding): number {
  let cache = counts.get(request);
  if (!cache) {
    cache = { cl100k_base: -1, o200k_base: -1, schemaText: request.schema === undefined ? undefined : JSON.stringify(request.schema) };
    counts.set(request, cache);
  }
  const cached = cache[encoding];
  if (cached >= 0) return cached;
  let total = REPLY_PRIMING_TOKENS;
  if (request.system) total += MESSAGE_OVERHEAD_TOKENS + countTokens(request.system, encoding);
  for (const message of request.messages) total += MESSAGE_OVERHEAD_TOKENS + countTokens(message.content, encoding);
  if (cache.schemaText !== undefined) total += SCHEMA_OVERHEAD_TOKENS + countTokens(cache.schemaText, encoding);
  cache[encoding] = total;
  return total;
}
