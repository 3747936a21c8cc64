import Anthropic from '@anthropic-ai/sdk';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { buildAnthropicRequest } from './build-anthropic-request.js';
import { convertAnthropicError } from './convert-anthropic-error.js';
import { parseAnthropicResponse } from './parse-anthropic-response.js';

/**
 * Adapter over the official `@anthropic-ai/sdk` (Messages API, version 2026-10-21), following
 * https://platform.claude.com/docs/en/build-with-claude/thinking (thinking billed as output and
 * counted in `max_tokens`; `thinking: {type: 'disabled'}`), the adaptive-thinking and effort pages
 * (https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking: `output_config.effort`)
 * and https://platform.claude.com/docs/en/build-with-claude/structured-outputs
 * (`output_config.format`), read 2026-12-01. Request and answer are built and read by the pure
 * {@link buildAnthropicRequest} and {@link parseAnthropicResponse}.
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
    const started = performance.now();
    let message: Anthropic.Messages.Message;
    try {
      message = await this.client.messages.create(buildAnthropicRequest(request), { timeout: timeoutMs, signal: request.signal ?? null, maxRetries: 0 });
    } catch (error) {
      throw convertAnthropicError(error, context);
    }
    const latencyMs = Math.round(performance.now() - started);
    const { usage, ...parsed } = parseAnthropicResponse(request, message);
    return { ...parsed, usage: usage ?? this.estimateUsage(request, parsed.text), usageEstimated: usage === undefined, latencyMs };
  }
}
