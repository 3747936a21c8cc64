import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ChatRequest } from '../types.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { isStrictCompatibleSchema } from './is-strict-compatible-schema.js';

export interface OpenAIRequestOptions {
  /** Default `max_completion_tokens`; `max_tokens` for Ollama and older vLLM. */
  maxTokensParam?: 'max_completion_tokens' | 'max_tokens';
  /** Ask for strict structured output when the schema allows it. Default true. */
  strictSchemas?: boolean;
}

/** The Chat Completions body for a request: what the adapter sends, and what a batch line carries. */
export function buildOpenAIRequest(request: ChatRequest, options: OpenAIRequestOptions = {}): ChatCompletionCreateParamsNonStreaming {
  return {
    model: request.model,
    messages: convertToOpenAIMessages(request),
    [options.maxTokensParam ?? 'max_completion_tokens']: request.maxOutputTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.output
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: request.output.name,
              schema: request.output.schema,
              strict: (options.strictSchemas ?? true) && isStrictCompatibleSchema(request.output.schema),
            },
          },
        }
      : {}),
  };
}
