import type OpenAI from 'openai';
import type { EstimateUsage } from '../estimate-usage.js';
import { parseJsonObject } from '../parse-json-object.js';
import type { ChatRequest, ChatResponse } from '../types.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

/** A Chat Completions answer (synchronous, or the body of a batch output line) in frugal's terms. */
export function parseOpenAIResponse(completion: OpenAI.Chat.Completions.ChatCompletion, request: ChatRequest, estimateUsage: EstimateUsage, latencyMs: number): ChatResponse {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const text = message?.content ?? '';
  const usage = convertOpenAIUsage(completion.usage);
  return {
    text,
    ...(request.output ? { object: parseJsonObject(text) } : {}),
    usage: usage ?? estimateUsage(request, text),
    usageEstimated: usage === undefined,
    finishReason: message?.refusal ? 'content-filter' : mapOpenAIFinishReason(choice?.finish_reason),
    modelId: completion.model ?? request.model,
    latencyMs,
  };
}
