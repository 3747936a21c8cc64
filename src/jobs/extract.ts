import { z } from 'zod';
import type { JsonSchema } from '../providers/types.js';
import type { JobKind } from './job-kind.js';
import { schemaProblem, validationProblem } from './validate-json-schema.js';

export const extractPayload = z.object({
  text: z.string().trim().min(1, 'is empty: give the text to extract from'),
  /** JSON Schema of the object to extract; its top level must be an object. */
  schema: z
    .record(z.string(), z.unknown())
    .refine((s) => s.type === 'object', 'must be a JSON Schema whose top level is {"type": "object", ...}')
    .superRefine((s, ctx) => {
      const problem = schemaProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid JSON Schema: ${problem}` });
    }),
  /** Extra guidance for the model. */
  instructions: z.string().optional(),
  /** Cap on the answer's length. Default 1,000 tokens. */
  maxTokens: z.number().int().min(16).max(16_000).default(1_000),
});
export type ExtractPayload = z.infer<typeof extractPayload>;

export const extract: JobKind<ExtractPayload> = {
  kind: 'extract',
  payload: extractPayload,
  buildPrompt(payload) {
    const system = [
      'You extract structured data from text. Answer with one JSON object that follows the given schema exactly.',
      'Use only facts stated in the text; use null where the schema allows it and the text is silent.',
      payload.instructions,
    ]
      .filter(Boolean)
      .join(' ');
    return {
      system,
      messages: [{ role: 'user', content: payload.text }],
      output: { name: 'extraction', schema: payload.schema as JsonSchema },
      outputCap: { maxTokens: payload.maxTokens },
    };
  },
  checkOutput(payload, response) {
    if (response.object === undefined) return { ok: false, reason: 'answer is not valid JSON' };
    const problem = validationProblem(payload.schema as JsonSchema, response.object);
    if (problem) return { ok: false, reason: `answer does not follow the schema: ${problem}` };
    return { ok: true, output: { text: response.text, object: response.object } };
  },
};
