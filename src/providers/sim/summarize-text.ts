import { iterateSentences } from './split-sentences.js';

export interface SummarizeOptions {
  /** Token budget of the answer (already divided by the tokenizer ratio). */
  maxTokens: number;
  /** Tokens of a text in the model's encoding. */
  count: (text: string) => number;
  /** The first `tokens` tokens of a text. */
  truncate: (text: string, tokens: number) => string;
  /** Tokens of `text`, when the caller has counted them already. */
  textTokens?: number;
}

export interface Summary {
  text: string;
  /** True when even the first sentence did not fit and was cut at the budget (finish reason "length"). */
  truncated: boolean;
  /** Tokens of the summary (exact). */
  tokens: number;
}

/**
 * An extractive summary of `text`: its leading whole sentences, about a quarter of its tokens
 * (at least one sentence), never over `maxTokens`. Sentences are picked by their estimated share
 * of the text's tokens and the result is counted exactly once (tiktoken is the simulator's main
 * cost); sentences are dropped until the exact count fits. When the first sentence alone is
 * over `maxTokens`, it is cut there, as a model stopped by its output limit would be.
 */
export function summarizeText(text: string, options: SummarizeOptions): Summary {
  const { maxTokens, count, truncate } = options;
  const total = options.textTokens ?? count(text);
  const perChar = total / Math.max(1, text.length);
  const target = Math.min(maxTokens, Math.max(1, Math.ceil(total / 4)));
  const picked: string[] = [];
  let estimate = 0;
  for (const sentence of iterateSentences(text)) {
    const tokens = Math.ceil(sentence.length * perChar) + (picked.length > 0 ? 1 : 0);
    if (picked.length > 0 && estimate + tokens > target) break;
    picked.push(sentence);
    estimate += tokens;
    if (estimate >= target) break;
  }
  if (picked.length === 0) return { text: '', truncated: false, tokens: 0 };
  let summary = picked.join(' ');
  let tokens = count(summary);
  while (tokens > maxTokens && picked.length > 1) {
    picked.pop();
    summary = picked.join(' ');
    tokens = count(summary);
  }
  if (tokens > maxTokens) {
    const cut = truncate(summary, Math.max(0, maxTokens));
    return { text: cut, truncated: true, tokens: count(cut) };
  }
  return { text: summary, truncated: false, tokens };
}
