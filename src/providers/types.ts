import type { Reasoning } from '../pricing/reasoning.js';
import type { StructuredOutputMode } from '../pricing/structured-output.js';
import type { ProviderId, Usage } from '../pricing/types.js';

/** A JSON Schema object (draft 2020-12 subset the vendors accept). */
export type JsonSchema = { [key: string]: unknown };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** One chat-style request, the same for every provider. */
export interface ChatRequest {
  /** The provider's own model id (`llama-3.1-8b-instant`, `gpt-4o-mini`, …). */
  model: string;
  system?: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
  temperature?: number;
  /**
   * When set, the answer must be a JSON object following `schema`; it travels in the vendor's
   * native structured-output mechanism.
   */
  output?: { name: string; schema: JsonSchema };
  /**
   * How `output` travels (the catalog's `structuredOutput` of the model). In `json_object` and
   * `none` the schema goes into the system prompt. Default: the adapter's native schema mechanism.
   */
  structuredOutput?: StructuredOutputMode;
  /**
   * The reasoning control, sent explicitly: Anthropic `thinking` + `output_config.effort`, Gemini
   * `thinkingConfig.thinkingBudget`. Ignored by adapters whose models have none. Default: not sent.
   */
  reasoning?: Reasoning;
  /** Abort after this many milliseconds (a timeout error). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Why the answer ended. `refusal`: the vendor's safety classifier declined to answer (Anthropic
 * `stop_reason: "refusal"`, an OpenAI `refusal` message): not a quality failure of the model.
 */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'refusal' | 'tool-calls' | 'error' | 'other';

export interface ChatResponse {
  /** The answer text (for structured requests, the JSON text). */
  text: string;
  /** The parsed object for structured requests; undefined if the answer did not parse as JSON. */
  object?: unknown;
  usage: Usage;
  /**
   * True when the provider's usage was missing or malformed and `usage` was estimated with the
   * pricing module's estimator (never silently zero).
   */
  usageEstimated: boolean;
  finishReason: FinishReason;
  /** The model id the provider says answered. */
  modelId: string;
  latencyMs: number;
}

/** What a parse-response function reads from a vendor's answer; `chat()` adds latency and estimated usage. */
export interface ParsedResponse {
  text: string;
  /** Present for structured requests: the parsed object, or undefined when the answer is not a JSON object. */
  object?: Record<string, unknown> | undefined;
  /** Undefined when the vendor's usage is missing or malformed. */
  usage: Usage | undefined;
  finishReason: FinishReason;
  modelId: string;
}

/** One adapter per provider SDK. */
export interface Provider {
  readonly id: ProviderId;
  chat(request: ChatRequest): Promise<ChatResponse>;
}
