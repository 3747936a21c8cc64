import type { z } from 'zod';
import type { Kind } from '../pricing/types.js';
import type { ChatMessage, ChatResponse, JsonSchema } from '../providers/types.js';

/** The job's own cap on output length, in words (prose) or tokens (structured answers). */
export type OutputCap = { maxWords: number } | { maxTokens: number };

/** What a job kind asks a model; the same for every provider. */
export interface Prompt {
  system: string;
  messages: ChatMessage[];
  /** Structured output: the answer must be an object following this schema. */
  output?: { name: string; schema: JsonSchema };
  outputCap: OutputCap;
}

export type OutputCheck = { ok: true; output: JobOutput } | { ok: false; reason: string };

/** A checked answer: free text, or the validated object for structured kinds. */
export interface JobOutput {
  text: string;
  object?: unknown;
}

/**
 * One kind of job (`src/jobs/<kind>.ts`): how its payload looks, what it asks the model, and
 * how its answer is checked. A failed check escalates the job to a better model (a cascade).
 */
export interface JobKind<Payload> {
  kind: Kind;
  payload: z.ZodType<Payload>;
  buildPrompt(payload: Payload): Prompt;
  checkOutput(payload: Payload, response: ChatResponse): OutputCheck;
}
