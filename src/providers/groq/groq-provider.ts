import Groq from 'groq-sdk';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { convertGroqError } from './convert-groq-error.js';
import { buildGroqRequest } from './build-groq-request.js';
import { parseGroqResponse } from './parse-groq-response.js';

/**
 * Adapter over the official `groq-sdk`. Structured output travels as
 * `response_format: { type: 'json_schema' }` in best-effort mode (`strict: false`): Groq offers
 * strict mode on a few models only and rejects it elsewhere.
 */
export class GroqProvider implements Provider {
  readonly id = 'groq' as const;
  private readonly client: Groq;
  private readonly apiKey: string;
  private readonly estimateUsage: EstimateUsage;
  private readonly defaultTimeoutMs: number;

  constructor(settings: ProviderSettings) {
    this.apiKey = settings.apiKey;
    this.client = new Groq({ apiKey: settings.apiKey, maxRetries: 0, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) });
    this.estimateUsage = settings.estimateUsage ?? estimateUsageWithTiktoken;
    this.defaultTimeoutMs = settings.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const context: CallContext = { provider: this.id, model: request.model, timeoutMs, secrets: [this.apiKey] };
    const params = buildGroqRequest(request);

    const started = performance.now();
    let completion: Groq.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(params, { timeout: timeoutMs, signal: request.signal ?? null, maxRetries: 0 });
    } catch (error) {
      throw convertGroqError(error, context);
    }
    const latencyMs = Math.round(performance.now() - started);

    return parseGroqResponse(completion, request, this.estimateUsage, latencyMs);
  }
}
