import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { parseJsonObject } from '../parse-json-object.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { convertOpenAIError } from './convert-openai-error.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { isStrictCompatibleSchema } from './is-strict-compatible-schema.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';

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

/** Adapter over the official `openai` SDK (Chat Completions). */
export class OpenAIProvider implements Provider {
  readonly id: 'openai' | 'local';
  private readonly client: OpenAI;
  private readonly apiKey: string;
  private readonly estimateUsage: EstimateUsage;
  private readonly defaultTimeoutMs: number;
  private readonly maxTokensParam: 'max_completion_tokens' | 'max_tokens';
  private readonly strictSchemas: boolean;

  constructor(settings: OpenAIProviderSettings) {
    this.id = settings.id ?? 'openai';
    this.apiKey = settings.apiKey;
    this.client = new OpenAI({ apiKey: settings.apiKey, maxRetries: 0, ...(settings.baseURL ? { baseURL: settings.baseURL } : {}) });
    this.estimateUsage = settings.estimateUsage ?? estimateUsageWithTiktoken;
    this.defaultTimeoutMs = settings.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxTokensParam = settings.maxTokensParam ?? 'max_completion_tokens';
    this.strictSchemas = settings.strictSchemas ?? true;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const context: CallContext = { provider: this.id, model: request.model, timeoutMs, secrets: [this.apiKey] };
    const messages: ChatCompletionMessageParam[] = convertToOpenAIMessages(request);
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: request.model,
      messages,
      [this.maxTokensParam]: request.maxOutputTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.output
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: {
                name: request.output.name,
                schema: request.output.schema,
                strict: this.strictSchemas && isStrictCompatibleSchema(request.output.schema),
              },
            },
          }
        : {}),
    };

    const started = performance.now();
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(params, { timeout: timeoutMs, signal: request.signal ?? null, maxRetries: 0 });
    } catch (error) {
      throw convertOpenAIError(error, context);
    }
    const latencyMs = Math.round(performance.now() - started);

    const choice = completion.choices?.[0];
    const message = choice?.message;
    const text = message?.content ?? '';
    const usage = convertOpenAIUsage(completion.usage);
    return {
      text,
      ...(request.output ? { object: parseJsonObject(text) } : {}),
      usage: usage ?? this.estimateUsage(request, text),
      usageEstimated: usage === undefined,
      // https://platform.openai.com/docs/guides/structured-outputs#refusals: `content` null, `refusal` set.
      finishReason: message?.refusal ? 'refusal' : mapOpenAIFinishReason(choice?.finish_reason),
      modelId: completion.model ?? request.model,
      latencyMs,
    };
  }
}
