import { GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import type { CallContext } from '../create-provider-error.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../estimate-usage.js';
import { DEFAULT_TIMEOUT_MS, type ProviderSettings } from '../provider-settings.js';
import type { ChatRequest, ChatResponse, Provider } from '../types.js';
import { buildGoogleRequest } from './build-google-request.js';
import { convertGoogleError } from './convert-google-error.js';
import { parseGoogleResponse } from './parse-google-response.js';

/**
 * Adapter over the official `@google/genai` SDK (Gemini API), following
 * https://ai.google.dev/gemini-api/docs/thinking (2.5 Flash thinks by default; `thinkingBudget`
 * 0 turns it off, -1 is dynamic; thoughts are billed as output and reported as
 * `thoughtsTokenCount`) and https://ai.google.dev/gemini-api/docs/structured-output
 * (`responseJsonSchema`), read 2026-12-01. The parameters and the answer are built and read by the
 * pure {@link buildGoogleRequest} and {@link parseGoogleResponse}.
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
    const params = buildGoogleRequest(request);
    params.config = { ...params.config, httpOptions: { timeout: timeoutMs }, ...(request.signal ? { abortSignal: request.signal } : {}) };
    const started = performance.now();
    let response: GenerateContentResponse;
    try {
      response = await this.client.models.generateContent(params);
    } catch (error) {
      throw convertGoogleError(error, context, request.signal);
    }
    const latencyMs = Math.round(performance.now() - started);
    const { usage, ...parsed } = parseGoogleResponse(request, response);
    return { ...parsed, usage: usage ?? this.estimateUsage(request, parsed.text), usageEstimated: usage === undefined, latencyMs };
  }
}
