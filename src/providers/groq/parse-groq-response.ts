import type Groq from 'groq-sdk';
import { mapOpenAIFinishReason } from '../openai/map-openai-finish-reason.js';
import { parseJsonObject } from '../parse-json-object.js';
import type { ChatRequest, ParsedResponse } from '../types.js';
import { convertGroqUsage } from './convert-groq-usage.js';

/** frugal's reading of a Groq chat completion (pure; the batch API's results reuse it). */
export function parseGroqResponse(request: Pick<ChatRequest, 'model' | 'output'>, completion: Groq.Chat.Completions.ChatCompletion): ParsedResponse {
  const choice = completion.choices?.[0];
  const text = choice?.message?.content ?? '';
  return {
    text,
    ...(request.output ? { object: parseJsonObject(text) } : {}),
    usage: convertGroqUsage(completion.usage),
    finishReason: mapOpenAIFinishReason(choice?.finish_reason),
    modelId: completion.model ?? request.model,
  };
}
