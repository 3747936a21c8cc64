import { GoogleGenAI, type GenerateContentConfig, type GenerateContentResponse } from '@google/genai';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { parseJsonObject } from '../parse-json-object.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { convertGoogleError } from './convert-google-error.js';
import { convertGoogleUsage } from './convert-google-usage.js';
import { mapGoogleFinishReason } from './map-google-finish-reason.js';

/**
 * Adapter over the official `@google/genai` SDK (Gemini API). Structured output travels as
 * `responseMimeType: 'application/json'` with `responseJsonSchema`. Automatic continuation is
 * off so that one call is one billed request.
 */
export class GoogleProvider implements Provider {
  readonly id = 'google' as const;
  private readonly client: GoogleGenAI;
  private readonly apiKey: string;
  private readonly estimateUsage: EstimateUsage;
  private readonly defaultTimeoutMs: number;

  constructor(settings: ProviderSettings) {
    this.apiKey = settings.apiKey;
    // The SDK retries only when given retryOptions; none are given, so frugal owns retries.
    this.client = new GoogleGenAI({ apiKey: settings.apiKey, ...(settings.baseURL ? { httpOptions: { baseUrl: settings.baseURL } } : {}) });
    this.estimateUsage = settings.estimateUsage ?? estimateUsageWithTiktoken;
    this.defaultTimeoutMs = settings.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const context: CallContext = { provider: this.id, model: request.model, timeoutMs, secrets: [this.apiKey] };
    const config: GenerateContentConfig = {
      maxOutputTokens: request.maxOutputTokens,
      automaticContinuation: false,
      httpOptions: { timeout: timeoutMs },
      ...(request.system ? { systemInstruction: request.system } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.signal ? { abortSignal: request.signal } : {}),
      ...(request.output ? { responseMimeType: 'application/json', responseJsonSchema: request.output.schema } : {}),
    };

    const started = performance.now();
    let response: GenerateContentResponse;
    try {
      response = await this.client.models.generateContent({
        model: request.model,
        contents: request.messages.map((message) => ({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] })),
        config,
      });
    } catch (error) {
      throw convertGoogleError(error, context, request.signal);
    }
    const latencyMs = Math.round(performance.now() - started);

    const candidate = response.candidates?.[0];
    const text = (candidate?.content?.parts ?? []).map((part) => (part.thought ? '' : (part.text ?? ''))).join('');
    const usage = convertGoogleUsage(response.usageMetadata);
    const blocked = candidate === undefined && response.promptFeedback?.blockReason !== undefined;
    return {
      text,
      ...(request.output ? { object: parseJsonObject(text) } : {}),
      usage: usage ?? this.estimateUsage(request, text),
      usageEstimated: usage === undefined,
      finishReason: blocked ? 'content-filter' : mapGoogleFinishReason(candidate?.finishReason),
      modelId: response.modelVersion ?? request.model,
      latencyMs,
    };
  }
}
