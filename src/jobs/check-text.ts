import type { ChatResponse } from '../providers/types.js';
import type { OutputCheck } from './job-kind.js';

/** A free-text answer passes when it says something. */
export function checkText(response: ChatResponse): OutputCheck {
  const text = response.text.trim();
  if (text.length === 0) return { ok: false, reason: 'empty answer' };
  return { ok: true, output: { text } };
}
