import type { GenerateContentResponse } from '@google/genai';
import { parseJsonObject } from '../parse-json-object.js';
import type { ChatRequest, ParsedResponse } from '../types.js';
import { convertGoogleUsage } from './convert-google-usage.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';

/** frugal's reading of a `generateContent` answer (pure; the batch API's results reuse it). Thought parts are not the answer. */
export function parseGoogleResponse(request: Pick<ChatRequest, 'model' | 'output'>, response: GenerateContentResponse): ParsedResponse {
  const candidate = response.candidates?.[0];
  const text = (candidate?.content?.parts ?? []).map((part) => (part.thought ? '' : (part.text ?? ''))).join('');
  const blocked = candidate === undefined && response.promptFeedback?.blockReason !== undefined;
  return {
    text,
    ...(request.output ? { object: parseJsonObject(text) } : {}),
    usage: convertGoogleUsage(response.usageMetadata),
    finishReason: blocked ? 'content-filter' : mapGoogleFinishReason(candidate?.finishReason),
    modelId: response.modelVersion ?? request.model,
  };
}
