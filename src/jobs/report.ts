import { z } from 'zod';
import type { JobKind } from './job-kind.js';
import { checkText } from './check-text.js';
import { describeValue } from './describe-validation-issue.js';

export const reportPayload = z.object({
  title: z.string().trim().min(1, 'is empty: give the report a title'),
  /** The figures the summary is written from, as JSON. */
  data: z.unknown().superRefine((d, ctx) => {
    if (d === undefined) ctx.addIssue({ code: 'custom', message: 'is missing: give the figures as a JSON object, e.g. {"orders": 1200}' });
    // A string is the figures already written out, as the daily report's own summary sends them.
    else if (typeof d !== 'string' && (d === null || typeof d !== 'object' || Array.isArray(d))) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON object of named figures, e.g. {"orders": 1200}, found ${describeValue(d)}` });
    }
  }),
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
