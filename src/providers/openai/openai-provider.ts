import OpenAI from 'openai';
import type { StructuredOutputMode } from '../../pricing/structured-output.js';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { buildOpenAIRequest } from './build-openai-request.js';
import { convertOpenAIError } from './convert-openai-error.js';
import { parseOpenAIResponse } from './parse-openai-response.js';

export interface OpenAIProviderSettings extends ProviderSettings {
  /** The id this adapter reports: `openai`, or `local` for an OpenAI-compatible self-hosted endpoint. Default `openai`. */
  id?: 'openai' | 'local';
  /**
   * The output-limit parameter: `max_completion_tokens` (OpenAI's current one) or `max_tokens`
   * (what Ollama and older vLLM understand). Default `max_completion_tokens`.
   */
  maxTokensParam?: 'max_completion_tokens' | 'max_tokens';
  /** Ask for strict structured output when the schema allows it. Default true. */
  strictSchemas?: boolean;
}

/**
 * Adapter over the official `openai` SDK (Chat Completions), following
 * https://platform.openai.com/docs/guides/structured-outputs (`response_format` json_schema,
 * strict mode; JSON mode needs the word JSON in the prompt) and the usage object of
 * https://platform.openai.com/docs/api-reference/chat/object (`completion_tokens_details.reasoning_tokens`
 * is a part of `completion_tokens`), read 2026-12-01. The body and the answer are built and read
 * by the pure {@link buildOpenAIRequest} and {@link parseOpenAIResponse}.
 */
export class OpenAIProvider implements Provider {
  readonly id: 'openai' | 'local';
  private readonly client: OpenAI;
  private readonly apiKey: string;
  private readonly estimateUsage: EstimateUsage;
  private readonly defaultTimeoutMs: number;
  private readonly maxTokensParam: 'max_completion_tokens' | 'max_tokens';
  private readonly defaultStructuredOutput: StructuredOutputMode;

  constructor(settings: OpenAIProviderSettings) {
    this.id = settings.id ?? 'openai';
    this.apiKey = settings.apiKey;
    this.client = new OpenAI({ apiKey: settings.apiKey, maxRetries: 0, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) });
    this.estimateUsage = settings.estimateUsage ?? estimateUsageWithTiktoken;
    this.defaultTimeoutMs = settings.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxTokensParam = settings.maxTokensParam ?? 'max_completion_tokens';
    this.defaultStructuredOutput = (settings.strictSchemas ?? true) ? 'json_schema_strict' : 'json_schema';
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const context: CallContext = { provider: this.id, model: request.model, timeoutMs, secrets: [this.apiKey] };
    const params = buildOpenAIRequest(request, { maxTokensParam: this.maxTokensParam, defaultStructuredOutput: this.defaultStructuredOutput });
    const started = performance.now();
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(params, { timeout: timeoutMs, signal: request.signal ?? null, maxRetries: 0 });
    } catch (error) {
      throw convertOpenAIError(error, context);
    }
    const latencyMs = Math.round(performance.now() - started);
    const { usage, ...parsed } = parseOpenAIResponse(request, completion);
    return { ...parsed, usage: usage ?? this.estimateUsage(request, parsed.text), usageEstimated: usage === undefined, latencyMs };
  }
}
