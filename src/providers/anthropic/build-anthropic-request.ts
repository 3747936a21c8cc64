import type Anthropic from '@anthropic-ai/sdk';
import { isAnthropicReasoning } from '../../pricing/reasoning.js';
import { appendSchemaToSystem, isSchemaInPrompt } from '../../pricing/structured-output.js';
import type { ChatRequest } from '../types.js';

/**
 * The Messages API body of a request (pure; the batch API's lines reuse it). Structured output
 * travels as `output_config.format: {type: 'json_schema', schema}` — never a forced tool, which
 * Claude 5.x refuses while thinking — or in the system prompt for the prompt-carried modes. The
 * reasoning control goes out explicitly: `thinking: {type}` and `output_config.effort`. No
 * `temperature`: Claude 5.x answers 400 to sampling parameters.
 */
export function buildAnthropicRequest(request: ChatRequest): Anthropic.Messages.MessageCreateParamsNonStreaming {
  const reasoning = isAnthropicReasoning(request.reasoning) ? request.reasoning : undefined;
  const inPrompt = request.output !== undefined && isSchemaInPrompt(request.structuredOutput);
  const system = request.output && inPrompt ? appendSchemaToSystem(request.system, request.output.schema) : request.system;
  const outputConfig: Anthropic.Messages.OutputConfig = {
    ...(reasoning ? { effort: reasoning.effort } : {}),
    ...(request.output && !inPrompt ? { format: { type: 'json_schema', schema: request.output.schema } } : {}),
  };
  return {
    model: request.model,
    max_tokens: request.maxOutputTokens,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    ...(system ? { system } : {}),
    ...(reasoning ? { thinking: { type: reasoning.thinking } } : {}),
    ...(Object.keys(outputConfig).length > 0 ? { output_config: outputConfig } : {}),
  };
}
