import type { JsonSchema } from '../types.js';

/** A request as every protocol's parser hands it to the simulator's engine. */
export interface SimRequest {
  /** The provider model id from the body (or, for Gemini, the URL). */
  model: string;
  /** System prompt text; empty when none. */
  system: string;
  messages: { role: 'user' | 'assistant'; text: string }[];
  /** The request's output limit; undefined when it set none. */
  maxOutputTokens: number | undefined;
  /** The JSON schema of a structured request, as sent in the vendor's mechanism. */
  schema?: JsonSchema;
  /**
   * True when the schema was read from the prompt (JSON mode): its text is already counted in
   * the prompt's tokens.
   */
  schemaFromPrompt?: boolean;
  /** How the model thinks before answering; absent when it does not think. */
  thinking?: SimThinking;
  /** Anthropic: the forced tool's name, whose input carries the object. */
  toolName?: string;
  stream: boolean;
}

/**
 * A thinking model's thinking on one request, in provider tokens: `multiplier` × the answer's
 * tokens but at least `floor`, at most `cap` (Gemini's positive thinkingBudget). Thinking is
 * billed as output and counts against the output limit: when it reaches the limit the answer is
 * cut (or never starts) and the stop is `max_tokens`.
 */
export interface SimThinking {
  multiplier: number;
  floor: number;
  cap?: number;
}

/** Thinking tokens of an answer of `answerTokens` provider tokens. */
export function thinkingTokensFor(thinking: SimThinking, answerTokens: number): number {
  const wanted = Math.max(thinking.floor, Math.ceil(thinking.multiplier * answerTokens));
  return thinking.cap === undefined ? wanted : Math.min(wanted, thinking.cap);
}

/** A request the simulator cannot read; answered with the vendor's 400. */
export class SimRequestError extends Error {}

/**
 * The JSON Schema a JSON-mode prompt describes — the JSON object after the last "JSON Schema:" in
 * the text, the way frugal's prompt-carried schema reads — as a model would follow it; a plain
 * `{result: string}` object when the prompt describes none.
 */
export function readSchemaFromPrompt(text: string): JsonSchema {
  return findSchemaInPrompt(text) ?? { type: 'object', properties: { result: { type: 'string' } } };
}

/**
 * The JSON Schema a prompt asks the answer to follow (after its last "JSON Schema:"), or
 * undefined: a model asked for JSON in the prompt alone answers JSON, as frugal's `none` mode expects.
 */
export function findSchemaInPrompt(text: string): JsonSchema | undefined {
  const at = text.lastIndexOf('JSON Schema:');
  if (at >= 0) {
    const rest = text.slice(at + 'JSON Schema:'.length).trim();
    const end = rest.lastIndexOf('}');
    try {
      const value: unknown = JSON.parse(rest.slice(0, end + 1));
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as JsonSchema;
    } catch {
      // Not a schema.
    }
  }
  return undefined;
}
