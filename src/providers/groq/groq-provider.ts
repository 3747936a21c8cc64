import Groq from 'groq-sdk';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { buildGroqRequest } from './build-groq-request.js';
import { convertGroqError } from './convert-groq-error.js';
import { parseGroqResponse } from './parse-groq-response.js';

/**
 * Adapter over the official `groq-sdk`, following Groq's Structured Outputs page
 * https://console.groq.com/docs/structured-outputs#supported-models, read 2026-12-01: strict mode
 * (`strict: true`) on openai/gpt-oss-20b, openai/gpt-oss-120b and qwen/qwen3.8-27b; best-effort
 * (`strict: false`) on those and openai/gpt-oss-safeguard-20b; "for all other models" — Llama 3.1
 * 8B and Llama 3.3 70B among them — JSON Object Mode (`response_format: {type: 'json_object'}`,
 * with the prompt asking for JSON). Which one a model gets is the catalog's `structuredOutput`.
 * The body and the answer are built and read by the pure {@link buildGroqRequest} and
 * {@link parseGroqResponse}.
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
    const started = performance.now();
    let completion: Groq.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(buildGroqRequest(request), { timeout: timeoutMs, signal: request.signal ?? null, maxRetries: 0 });
    } catch (error) {
      throw convertGroqError(error, context);
    }
    const latencyMs = Math.round(performance.now() - started);
    const { usage, ...parsed } = parseGroqResponse(request, completion);
    return { ...parsed, usage: usage ?? this.estimateUsage(request, parsed.text), usageEstimated: usage === undefined, latencyMs };
  }
}
