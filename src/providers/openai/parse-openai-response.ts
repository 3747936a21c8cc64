import type OpenAI from 'openai';
import { parseJsonObject } from '../parse-json-object.js';
import type { ChatRequest, ParsedResponse } from '../types.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

/** frugal's reading of a chat completion (pure; the batch API's results reuse it). */
export function parseOpenAIResponse(request: Pick<ChatRequest, 'model' | 'output'>, completion: OpenAI.Chat.Completions.ChatCompletion): ParsedResponse {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const text = message?.content ?? '';
  return {
    text,
    ...(request.output ? { object: parseJsonObject(text) } : {}),
    usage: convertOpenAIUsage(completion.usage),
    // https://platform.openai.com/docs/guides/structured-outputs#refusals: `content` null, `refusal` set.
    finishReason: message?.refusal ? 'refusal' : mapOpenAIFinishReason(choice?.finish_reason),
    modelId: completion.model ?? request.model,
  };
}
