import { splitSentences } from './split-sentences.js';

export interface SummarizeOptions {
  /** Token budget of the answer (already divided by the tokenizer ratio). */
  maxTokens: number;
  /** Tokens of a text in the model's encoding. */
  count: (text: string) => number;
  /** The first `tokens` tokens of a text. */
  truncate: (text: string, tokens: number) => string;
}

export interface Summary {
  text: string;
  /** True when even the first sentence did not fit and was cut at the budget (finish reason "length"). */
  truncated: boolean;
}

/**
 * An extractive summary of `text`: its leading whole sentences, as many as fit in a quarter of
 * its length (at least one) and within `maxTokens`. When the first sentence alone is over
 * `maxTokens`, it is cut there, as a model stopped by its output limit would be.
 */
export function summarizeText(text: string, options: SummarizeOptions): Summary {
  const { maxTokens, count, truncate } = options;
  const sentences = splitSentences(text);
  if (sentences.length === 0 || maxTokens <= 0) return { text: '', truncated: sentences.length > 0 };
  const first = count(sentences[0]!);
  const target = Math.min(maxTokens, Math.max(first, Math.ceil(count(text) / 4)));
  const picked: string[] = [];
  let used = 0;
  for (const sentence of sentences) {
    const tokens = count(sentence) + (picked.length > 0 ? 1 : 0);
    if (used + tokens > target) break;
    picked.push(sentence);
    used += tokens;
  }
  // Per-sentence counts can differ from the joined text's count by a token at a boundary.
  while (picked.length > 0 && count(picked.join(' ')) > maxTokens) picked.pop();
  if (picked.length === 0) return { text: truncate(sentences[0]!, maxTokens), truncated: true };
  return { text: picked.join(' '), truncated: false };
}
