import { z } from 'zod';
import type { JobKind } from './job-kind.js';
import { checkText } from './check-text.js';

export const reportPayload = z.object({
  title: z.string().trim().min(1, 'is empty: give the report a title'),
  /** The figures the summary is written from, as JSON. */
  data: z.unknown().refine((d) => d !== undefined, 'is missing: give the figures as JSON'),
  instructions: z.string().optional(),
  maxWords: z.number().int().min(10).max(2_000).default(120),
});
export type ReportPayload = z.infer<typeof reportPayload>;

export const report: JobKind<ReportPayload> = {
  kind: 'report',
  payload: reportPayload,
  buildPrompt(payload) {
    const system = [
      `You write the executive summary of an operations report in at most ${payload.maxWords} words: what happened, what it cost, what needs attention.`,
      payload.instructions,
    ]
      .filter(Boolean)
      .join(' ');
    const content = `${payload.title}\n\n${JSON.stringify(payload.data, null, 2)}`;
    return { system, messages: [{ role: 'user', content }], outputCap: { maxWords: payload.maxWords } };
  },
  checkOutput: (_payload, response) => checkText(response),
};
