import { countTokens, type Encoding } from './tokenizer.js';

/**
 * How a model takes structured output:
 * - `json_schema_strict`: the vendor's schema mechanism with constrained decoding (OpenAI strict,
 *   Anthropic `output_config.format`, Groq `strict: true` on the models listing it);
 * - `json_schema`: the schema mechanism in best-effort mode (Gemini, Groq `strict: false`);
 * - `json_object`: JSON mode only (`response_format: {type: 'json_object'}`); the schema goes into the prompt;
 * - `none`: no mechanism at all; the schema goes into the prompt.
 * In every mode the answer is validated locally, and a failed check escalates as usual.
 */
export const STRUCTURED_OUTPUT_MODES = ['json_schema_strict', 'json_schema', 'json_object', 'none'] as const;
export type StructuredOutputMode = (typeof STRUCTURED_OUTPUT_MODES)[number];

/** True when the mode carries the schema in the prompt rather than in a request parameter. */
export function isSchemaInPrompt(mode: StructuredOutputMode | undefined): boolean {
  return mode === 'json_object' || mode === 'none';
}

/** The words before the schema in a prompt that carries it; they say JSON, as JSON mode requires. */
export const JSON_INSTRUCTION = 'Answer with one JSON object and nothing else. The JSON object must follow this JSON Schema:';

/** The system prompt with the schema appended, for the modes that carry the schema in the prompt. */
export function appendSchemaToSystem(system: string | undefined, schema: Record<string, unknown>): string {
  const instruction = `${JSON_INSTRUCTION}\n${JSON.stringify(schema)}`;
  return system ? `${system}\n\n${instruction}` : instruction;
}

const instructionTokens = new Map<Encoding, number>();

/**
 * Tokens the prompt-carried schema adds beyond the schema text itself (the instruction and its
 * separators), counted once per encoding.
 */
export function jsonInstructionTokens(encoding: Encoding): number {
  let tokens = instructionTokens.get(encoding);
  if (tokens === undefined) {
    tokens = countTokens(`\n\n${JSON_INSTRUCTION}\n`, encoding);
    instructionTokens.set(encoding, tokens);
  }
  return tokens;
}
