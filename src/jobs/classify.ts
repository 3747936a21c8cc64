import { z } from 'zod';
import type { JsonSchema } from '../providers/types.js';
import type { JobKind } from './job-kind.js';

export const classifyPayload = z.object({
  text: z.string().trim().min(1, 'is empty: give the text to classify'),
  labels: z
    .array(z.string().trim().min(1))
    .min(2, 'needs at least two labels')
    .max(100, 'allows at most 100 labels')
    .refine((labels) => new Set(labels).size === labels.length, 'has a label twice: labels must be distinct'),
  instructions: z.string().optional(),
});
export type ClassifyPayload = z.infer<typeof classifyPayload>;

/** Classification is structured output: an object whose `label` is an enum of the offered labels. */
export function labelSchema(labels: readonly string[]): JsonSchema {
  return {
    type: 'object',
    properties: { label: { type: 'string', enum: [...labels] } },
    required: ['label'],
    additionalProperties: false,
  };
}

export const classify: JobKind<ClassifyPayload> = {
  kind: 'classify',
  payload: classifyPayload,
  buildPrompt(payload) {
    const system = [`Classify the text the user sends. Choose exactly one label of: ${payload.labels.join(', ')}.`, payload.instructions]
      .filter(Boolean)
      .join(' ');
    return {
      system,
      messages: [{ role: 'user', content: payload.text }],
      output: { name: 'classification', schema: labelSchema(payload.labels) },
      outputCap: { maxTokens: 64 },
    };
  },
  checkOutput(payload, response) {
    const label = (response.object as { label?: unknown } | undefined)?.label;
    if (response.object === undefined) return { ok: false, reason: 'answer is not valid JSON' };
    if (typeof label !== 'string' || !payload.labels.includes(label)) {
      return { ok: false, reason: `label ${JSON.stringify(label)} is not one of the offered labels` };
    }
    return { ok: true, output: { text: label, object: { label } } };
  },
};
