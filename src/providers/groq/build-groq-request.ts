import type { ChatCompletionCreateParamsNonStreaming } from 'groq-sdk/resources/chat/completions';
import { appendSchemaToSystem, isSchemaInPrompt } from '../../pricing/structured-output.js';
import { buildResponseFormat } from '../openai/build-openai-request.js';
import { convertToOpenAIMessages } from '../openai/convert-to-openai-messages.js';
import type { ChatRequest } from '../types.js';

/**
 * The Groq chat-completions body of a request (pure; the batch API's lines reuse it). The
 * structured-output mechanism is the request's (the catalog's per model): `json_schema` with
 * `strict: true` or `false` only on the models Groq lists for it, JSON Object Mode
 * (`{type: 'json_object'}`, the schema in the system prompt, which says JSON) for the others.
 * Default when the request names none: `json_object`, the mode every Groq chat model accepts.
 */
export function buildGroqRequest(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  const mode = request.structuredOutput ?? 'json_object';
  const output = request.output;
  const system = output && isSchemaInPrompt(mode) ? appendSchemaToSystem(request.system, output.schema) : request.system;
  const responseFormat = output ? buildResponseFormat(output, mode) : undefined;
  return {
    model: request.model,
    messages: convertToOpenAIMessages({ ...request, ...(system === undefined ? {} : { system }) }),
    max_completion_tokens: request.maxOutputTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(responseFormat ? { response_format: responseFormat } : {}),
  };
}
