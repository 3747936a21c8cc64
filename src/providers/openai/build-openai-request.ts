import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { appendSchemaToSystem, isSchemaInPrompt, type StructuredOutputMode } from '../../pricing/structured-output.js';
import type { ChatRequest } from '../types.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { isStrictCompatibleSchema } from './is-strict-compatible-schema.js';

export interface OpenAIRequestOptions {
  /** The output-limit parameter. Default `max_completion_tokens`. */
  maxTokensParam?: 'max_completion_tokens' | 'max_tokens';
  /** Mechanism when the request names none. Default `json_schema_strict`. */
  defaultStructuredOutput?: StructuredOutputMode;
}

/**
 * The `response_format` for a structured request in `mode`, or undefined when the mode sends
 * none. Strict mode is asked for only when the schema allows it (OpenAI and Groq reject other
 * schemas in strict mode with a 400). Shared with Groq, whose parameter is the same.
 */
export function buildResponseFormat(
  output: NonNullable<ChatRequest['output']>,
  mode: StructuredOutputMode,
):
  | { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict: boolean } }
  | { type: 'json_object' }
  | undefined {
  switch (mode) {
    case 'json_schema_strict':
    case 'json_schema':
      return { type: 'json_schema', json_schema: { name: output.name, schema: output.schema, strict: mode === 'json_schema_strict' && isStrictCompatibleSchema(output.schema) } };
    case 'json_object':
      return { type: 'json_object' };
    case 'none':
      return undefined;
  }
}

/**
 * The Chat Completions body of a request (pure; the batch API's lines reuse it), for OpenAI and
 * OpenAI-compatible self-hosted servers. In `json_object` and `none` modes the schema goes into
 * the system prompt, which then says JSON, as JSON mode requires.
 */
export function buildOpenAIRequest(request: ChatRequest, options: OpenAIRequestOptions = {}): ChatCompletionCreateParamsNonStreaming {
  const mode = request.structuredOutput ?? options.defaultStructuredOutput ?? 'json_schema_strict';
  const output = request.output;
  const system = output && isSchemaInPrompt(mode) ? appendSchemaToSystem(request.system, output.schema) : request.system;
  const responseFormat = output ? buildResponseFormat(output, mode) : undefined;
  return {
    model: request.model,
    messages: convertToOpenAIMessages({ ...request, ...(system === undefined ? {} : { system }) }),
    [options.maxTokensParam ?? 'max_completion_tokens']: request.maxOutputTokens,
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(responseFormat ? { response_format: responseFormat } : {}),
  };
}
