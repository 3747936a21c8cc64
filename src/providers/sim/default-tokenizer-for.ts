import type { Encoding } from '../../pricing/tokenizer.js';

/**
 * How the simulator counts a model's tokens: tiktoken `encoding`, times `ratio` (rounded to an
 * integer). The ratio stands for a vendor tokenizer that tiktoken does not have.
 */
export interface SimTokenizer {
  encoding: Encoding;
  ratio: number;
}

export type TokenizerFor = (modelId: string) => SimTokenizer;

/**
 * Default tokenizer by model-id family, until the catalog supplies it: OpenAI's current models
 * (gpt-4o*, gpt-4.1*, gpt-5*, o-series) and Gemini → o200k_base; Claude → cl100k_base × 1.2, so
 * Claude's count deliberately differs from tiktoken's as the real one does (calibration has
 * something to learn); Llama and everything else → cl100k_base.
 */
export const defaultTokenizerFor: TokenizerFor = (modelId) => {
  const id = modelId.toLowerCase();
  if (/^(gpt-4o|gpt-4\.1|gpt-5|o\d)/.test(id)) return { encoding: 'o200k_base', ratio: 1 };
  if (id.startsWith('claude')) return { encoding: 'cl100k_base', ratio: 1.2 };
  if (id.startsWith('gemini')) return { encoding: 'o200k_base', ratio: 1 };
  return { encoding: 'cl100k_base', ratio: 1 };
};
