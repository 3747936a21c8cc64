import type { GenerateContentParameters } from '@google/genai';
import { isGoogleReasoning } from '../../pricing/reasoning.js';
import { appendSchemaToSystem, isSchemaInPrompt } from '../../pricing/structured-output.js';
import type { ChatRequest } from '../types.js';

/**
 * The `generateContent` parameters of a request (pure; the batch API's lines reuse them), without
 * the transport settings (timeout, abort signal) that `chat()` adds. Structured output travels as
 * `responseMimeType: 'application/json'` with `responseJsonSchema`; the reasoning control as
 * `thinkingConfig.thinkingBudget` (0 = no thinking on Flash, -1 = dynamic). Automatic
 * continuation is off so that one call is one billed request.
 */
export function buildGoogleRequest(request: ChatRequest): GenerateContentParameters {
  const reasoning = isGoogleReasoning(request.reasoning) ? request.reasoning : undefined;
  const inPrompt = request.output !== undefined && isSchemaInPrompt(request.structuredOutput);
  const system = request.output && inPrompt ? appendSchemaToSystem(request.system, request.output.schema) : request.system;
  return {
    model: request.model,
    contents: request.messages.map((message) => ({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] })),
    config: {
      maxOutputTokens: request.maxOutputTokens,
      automaticContinuation: false,
      ...(system ? { systemInstruction: system } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(reasoning ? { thinkingConfig: { thinkingBudget: reasoning.thinkingBudget } } : {}),
      ...(request.output && request.structuredOutput !== 'none' ? { responseMimeType: 'application/json' } : {}),
      ...(request.output && !inPrompt ? { responseJsonSchema: request.output.schema } : {}),
    },
  };
}
