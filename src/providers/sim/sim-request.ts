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
  /** Anthropic: the forced tool's name, whose input carries the object. */
  toolName?: string;
  stream: boolean;
}

/** A request the simulator cannot read; answered with the vendor's 400. */
export class SimRequestError extends Error {}
