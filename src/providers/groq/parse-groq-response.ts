import type Groq from 'groq-sdk';
import type { EstimateUsage } from '../estimate-usage.js';
import { mapOpenAIFinishReason } from '../openai/map-openai-finish-reason.js';
import { parseJsonObject } from '../parse-json-object.js';
import type { ChatRequest, ChatResponse } from '../types.js';
import { convertGroqUsage } from './convert-groq-usage.js';

/** A Groq Chat Completions answer (synchronous, or the body of a batch output line) in frugal's terms. */
export function parseGroqResponse(completion: Groq.Chat.Completions.ChatCompletion, request: ChatRequest, estimateUsage: EstimateUsage, latencyMs: number): ChatResponse {
  const choice = completion.choices?.[0];
  const text = choice?.message?.content ?? '';
  const usage = convertGroqUsage(completion.usage);
  return {
    text,
    ...(request.output ? { object: parseJsonObject(text) } : {}),
    usage: usage ?? estimateUsage(request, text),
    usageEstimated: usage === undefined,
    finishReason: mapOpenAIFinishReason(choice?.finish_reason),
    modelId: completion.model ?? request.model,
    latencyMs,
  };
}
