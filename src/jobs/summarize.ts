import { z } from 'zod';
import type { JobKind } from './job-kind.js';
import { checkText } from './check-text.js';

export const summarizePayload = z.object({
  /** The document. The CLI reads files into this field at enqueue time. */
  text: z.string().trim().min(1, 'is empty: give the document text'),
  /** Target length of the summary. Default 150 words. */
  maxWords: z.number().int().min(10).max(5_000).default(150),
  /** Where the text came from (a file path), for people reading results. */
  source: z.string().optional(),
  /**
   * Set on the jobs frugal creates itself for long documents: `chunk` summarizes one piece,
   * `combine` merges the summaries of the pieces.
   */
  part: z.object({ role: z.enum(['chunk', 'combine']), index: z.number().int().min(0), of: z.number().int().min(1) }).optional(),
});
export type SummarizePayload = z.infer<typeof summarizePayload>;

export const summarize: JobKind<SummarizePayload> = {
  kind: 'summarize',
  payload: summarizePayload,
  buildPrompt(payload) {
    const combining = payload.part?.role === 'combine';
    const system = combining
      ? `You combine partial summaries of one long document into a single coherent summary of at most ${payload.maxWords} words. Reply with the summary only.`
      : `You write faithful, concise summaries. Summarize the document the user sends in at most ${payload.maxWords} words. Reply with the summary only.`;
    return { system, messages: [{ role: 'user', content: payload.text }], outputCap: { maxWords: payload.maxWords } };
  },
  checkOutput: (_payload, response) => checkText(response),
};
