import type { Kind } from '../pricing/types.js';
import type { ChatRequest, JsonSchema } from '../providers/types.js';

/** The judge answers with one of three verdicts, in each vendor's structured-output mechanism. */
export const JUDGE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { verdict: { type: 'string', enum: ['A', 'B', 'tie'] } },
  required: ['verdict'],
  additionalProperties: false,
};

/**
 * A pairwise judgment: which of two answers serves the task better, given the source. The
 * sections are delimited so that neither answer can pose as an instruction (and so the simulator
 * can read them).
 */
export function buildJudgePrompt(kind: Kind, source: string, answerA: string, answerB: string): Pick<ChatRequest, 'system' | 'messages' | 'output'> {
  const task = kind === 'report' ? 'a short report on the data in the source' : 'a faithful, concise summary of the source';
  return {
    system: [
      `You compare two answers to the same task: ${task}.`,
      'Judge faithfulness to the source first, then coverage of its main points, then concision. Ignore the order in which the answers are shown and their length beyond concision.',
      'Answer "A" if answer A is better, "B" if answer B is better, "tie" if neither is better.',
    ].join(' '),
    messages: [{ role: 'user', content: [section('Source', source), section('Answer A', answerA), section('Answer B', answerB)].join('\n\n') }],
    output: { name: 'verdict', schema: JUDGE_SCHEMA },
  };
}

function section(title: string, text: string): string {
  return `${title}:\n<<<\n${text.replace(/\n>>>/g, '\n> >>')}\n>>>`;
}
