import Anthropic from '@anthropic-ai/sdk';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { isPlainObject, parseJsonObject } from '../parse-json-object.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { convertAnthropicError } from './convert-anthropic-error.js';
import { convertAnthropicToolName } from './convert-anthropic-tool-name.js';
import { convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

/**
 * Adapter over the official `@anthropic-ai/sdk` (Messages API). Structured output is a forced
 * tool call whose `input_schema` is the schema; the tool's input is the object. The SDK's API
 * version (2026-10-21) has no `temperature`, so a request's temperature is not sent.
 */
export class AnthropicProvider implements Provider {
  readonly id = 'anthropic' as const;
  private readonly client: Anthropic;
  private readonly apiKey: string;
  private readonly estimateUsage: EstimateUsage;
  private readonly defaultTimeoutMs: number;

  constructor(settings: ProviderSettings) {
    this.apiKey = settings.apiKey;
    this.client = new Anthropic({ apiKey: settings.apiKey, maxRetries: 0, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) });
    this.estimateUsage = settings.estimateUsage ?? estimateUsageWithTiktoken;
    this.defaultTimeoutMs = settings.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const context: CallContext = { provider: this.id, model: request.model, timeoutMs, secrets: [this.apiKey] };
    const toolName = request.output ? convertAnthropicToolName(request.output.name) : undefined;
    const params: Anthropic.Messages.MessageCreateParamsNonStreaming = {
      model: request.model,
      max_tokens: request.maxOutputTokens,
      messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
      ...(request.system ? { system: request.system } : {}),
      ...(request.output && toolName
        ? {
            tools: [{ name: toolName, description: `Record the ${request.output.name} answer.`, input_schema: request.output.schema as Anthropic.Messages.Tool.InputSchema }],
            tool_choice: { type: 'tool', name: toolName },
          }
        : {}),
    };

    const started = performance.now();
    let message: Anthropic.Messages.Message;
    try {
      message = await this.client.messages.create(params, { timeout: timeoutMs, signal: request.signal ?? null, maxRetries: 0 });
    } catch (error) {
      throw convertAnthropicError(error, context);
    }
    const latencyMs = Math.round(performance.now() - started);

    const blocks = Array.isArray(message.content) ? message.content : [];
    const toolUse = toolName === undefined ? undefined : blocks.find((block) => block.type === 'tool_use' && block.name === toolName);
    let text: string;
    let object: Record<string, unknown> | undefined;
    if (toolUse && toolUse.type === 'tool_use') {
      object = isPlainObject(toolUse.input) ? toolUse.input : undefined;
      text = JSON.stringify(toolUse.input);
    } else {
      text = blocks.map((block) => (block.type === 'text' ? block.text : '')).join('');
      object = request.output ? parseJsonObject(text) : undefined;
    }
    const usage = convertAnthropicUsage(message.usage);
    return {
      text,
      ...(request.output ? { object } : {}),
      usage: usage ?? this.estimateUsage(request, text),
      usageEstimated: usage === undefined,
      finishReason: mapAnthropicFinishReason(message.stop_reason, toolUse !== undefined),
      modelId: message.model ?? request.model,
      latencyMs,
    };
  }
}
