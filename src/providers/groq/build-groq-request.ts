import type { ChatCompletionCreateParamsNonStreaming } from 'groq-sdk/resources/chat/completions';
import { convertToOpenAIMessages } from '../openai/convert-to-openai-messages.js';
import type { ChatRequest } from '../types.js';

/**
 * The Groq Chat Completions body for a request: what the adapter sends, and what a batch line
 * carries. Structured output in best-effort mode (`strict: false`): Groq offers strict mode on a
 * few models only and rejects it elsewhere.
 */
export function buildGroqRequest(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  return {
    model: request.model,
    messages: convertToOpenAIMessages(request),
    max_completion_tokens: request.maxOutputTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.output
      ? { response_format: { type: 'json_schema', json_schema: { name: request.output.name, schema: request.output.schema, strict: false } } }
      : {}),
  };
}
