import type Anthropic from '@anthropic-ai/sdk';
import { parseJsonObject } from '../parse-json-object.js';
import type { ChatRequest, ParsedResponse } from '../types.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

/**
 * frugal's reading of a Messages API answer (pure; the batch API's results reuse it). The answer
 * is the text blocks joined (thinking blocks are not the answer); a structured answer is that
 * text parsed as a JSON object.
 */
export function parseAnthropicResponse(request: Pick<ChatRequest, 'model' | 'output'>, message: Anthropic.Messages.Message): ParsedResponse {
  const blocks = Array.isArray(message.content) ? message.content : [];
  const text = blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return {
    text,
    ...(request.output ? { object: parseJsonObject(text) } : {}),
    usage: convertAnthropicUsage(message.usage),
    finishReason: mapAnthropicFinishReason(message.stop_reason, false),
    modelId: message.model ?? request.model,
  };
}
