import type { CatalogModel } from './catalog-model.js';
import { ANTHROPIC_REASONING_BY_KIND, GOOGLE_REASONING_BY_KIND } from './reasoning.js';
import type { Kind, Rating } from './types.js';

/**
 * The built-in catalog: list prices from the vendors' pricing pages, checked 2026-11-23.
 * Override or extend it with a FRUGAL_CATALOG file (see README "Pricing catalog").
 *
 * Rate limits are each vendor's entry paid tier (OpenAI and Anthropic tier 1, Gemini tier 1,
 * Groq Developer plan); accounts on higher tiers should raise them in their catalog file.
 *
 * Ratings follow what practitioners report: Haiku the most reliable at structured extraction
 * and long context; GPT-4o mini the strongest small model at arithmetic and short
 * classification; Llama 70B close to GPT-4o mini but weaker at strict JSON; Llama 8B fine only
 * for simple classification (and short summaries, so a `basic` summarize job has a model).
 */
const CHECKED_ON = '2026-11-23';

/**
 * Groq's Structured Outputs page (https://console.groq.com/docs/structured-outputs#supported-models,
 * read 2026-12-01) lists json_schema only for GPT-OSS and Qwen models; "for all other models",
 * Llama included, it points to JSON Object Mode.
 */
const GROQ_LLAMA_STRUCTURED_OUTPUT = 'json_object';

const LLAMA_8B_RATINGS: Record<Kind, Rating> = { summarize: 'basic', extract: 'none', classify: 'basic', report: 'none' };
const LLAMA_70B_RATINGS: Record<Kind, Rating> = { summarize: 'standard', extract: 'basic', classify: 'standard', report: 'standard' };

export const DEFAULT_MODELS: readonly CatalogModel[] = [
  {
    id: 'llama-3.1-8b',
    provider: 'groq',
    providerModelId: 'llama-3.1-8b-instant',
    inputPerMillionMicros: 50_000,
    outputPerMillionMicros: 80_000,
    batchDiscountPercent: 50,
    contextWindow: 131_072,
    maxOutputTokens: 131_072,
    // Llama 3's tokenizer is cl100k_base plus 28k extra tokens: on English text the counts agree
    // (GPL-3: 7,455 with both); elsewhere Llama needs at most as many tokens.
    tokenizer: { encoding: 'cl100k_base', expectedRatio: 1, safeRatio: 1.1 },
    rateLimits: { rpm: 1_000, tpm: 250_000 },
    ratings: LLAMA_8B_RATINGS,
    structuredOutput: GROQ_LLAMA_STRUCTURED_OUTPUT,
    typicalLatencyMs: 400,
    source: 'https://groq.com/pricing ; limits https://console.groq.com/docs/rate-limits',
    checkedOn: CHECKED_ON,
  },
  {
    id: 'llama-3.3-70b',
    provider: 'groq',
    providerModelId: 'llama-3.3-70b-versatile',
    inputPerMillionMicros: 590_000,
    outputPerMillionMicros: 790_000,
    batchDiscountPercent: 50,
    contextWindow: 131_072,
    maxOutputTokens: 32_768,
    tokenizer: { encoding: 'cl100k_base', expectedRatio: 1, safeRatio: 1.1 },
    rateLimits: { rpm: 1_000, tpm: 300_000 },
    ratings: LLAMA_70B_RATINGS,
    structuredOutput: GROQ_LLAMA_STRUCTURED_OUTPUT,
    typicalLatencyMs: 700,
    source: 'https://groq.com/pricing ; limits https://console.groq.com/docs/rate-limits',
    checkedOn: CHECKED_ON,
  },
  {
    id: 'gpt-4o-mini',
    provider: 'openai',
    providerModelId: 'gpt-4o-mini',
    inputPerMillionMicros: 150_000,
    outputPerMillionMicros: 600_000,
    cachedInputPerMillionMicros: 75_000,
    batchDiscountPercent: 50,
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    // o200k_base is GPT-4o mini's own encoding; the margin covers chat-format tokens.
    tokenizer: { encoding: 'o200k_base', expectedRatio: 1, safeRatio: 1.05 },
    rateLimits: { rpm: 500, tpm: 200_000 },
    ratings: { summarize: 'advanced', extract: 'advanced', classify: 'advanced', report: 'advanced' },
    // Strict whenever the schema allows it (every property required, no additional properties).
    structuredOutput: 'json_schema_strict',
    typicalLatencyMs: 900,
    source: 'https://developers.openai.com/api/docs/pricing ; limits https://platform.openai.com/docs/models/gpt-4o-mini',
    checkedOn: CHECKED_ON,
  },
  {
    id: 'claude-haiku',
    provider: 'anthropic',
    providerModelId: 'claude-haiku-5-5',
    inputPerMillionMicros: 100_000,
    outputPerMillionMicros: 500_000,
    cachedInputPerMillionMicros: 10_000,
    // Haiku 5.5 bills the whole call at 5x when the prompt exceeds 100,000 tokens.
    longContext: { aboveInputTokens: 100_000, inputPerMillionMicros: 500_000, outputPerMillionMicros: 2_500_000, cachedInputPerMillionMicros: 50_000 },
    batchDiscountPercent: 50,
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    // Claude's tokenizer is not public. Public reports put cl100k_base counts 20-50 % under
    // Claude's, and Haiku 5.5's newer tokenizer counts about 30 % more than Haiku 4.5's, so the
    // factors stay conservative until calibration has observed real usage.
    tokenizer: { encoding: 'cl100k_base', expectedRatio: 1.5, safeRatio: 2 },
    rateLimits: { rpm: 50, tpm: 50_000 },
    ratings: { summarize: 'premium', extract: 'premium', classify: 'premium', report: 'premium' },
    // output_config.format: constrained decoding, never a forced tool (a 400 while thinking).
    structuredOutput: 'json_schema_strict',
    // Haiku 5.5 thinks by default at effort medium; frugal always sends its own control.
    reasoning: ANTHROPIC_REASONING_BY_KIND,
    typicalLatencyMs: 700,
    source: 'https://platform.claude.com/docs/en/models/haiku-5-5/overview ; limits https://platform.claude.com/docs/en/api/rate-limits',
    checkedOn: CHECKED_ON,
    notes: 'Claude Haiku 5.5 (released 2026-10-07): cheaper than GPT-4o mini below 100k prompt tokens',
  },
  {
    id: 'gemini-flash',
    provider: 'google',
    providerModelId: 'gemini-2.5-flash',
    inputPerMillionMicros: 300_000,
    // Thinking tokens are billed as output; the catalog's reasoning setting turns thinking off.
    outputPerMillionMicros: 2_500_000,
    cachedInputPerMillionMicros: 30_000,
    batchDiscountPercent: 50,
    contextWindow: 1_048_576,
    maxOutputTokens: 65_536,
    // Gemini's SentencePiece vocabulary (256k) is closest in size to o200k_base; on English
    // text Gemini counts a little more (about 4 characters per token against 4.3).
    tokenizer: { encoding: 'o200k_base', expectedRatio: 1.1, safeRatio: 1.4 },
    rateLimits: { rpm: 1_000, tpm: 1_000_000 },
    ratings: { summarize: 'advanced', extract: 'advanced', classify: 'advanced', report: 'advanced' },
    structuredOutput: 'json_schema',
    // 2.5 Flash thinks by default; thinkingBudget 0 turns it off for every kind.
    reasoning: GOOGLE_REASONING_BY_KIND,
    typicalLatencyMs: 1_200,
    source: 'https://ai.google.dev/gemini-api/docs/pricing ; limits https://ai.google.dev/gemini-api/docs/rate-limits',
    checkedOn: CHECKED_ON,
    notes: 'Gemini 2.5 Flash (stable); newer Gemini 3.x Flash models cost more per token',
  },
];

/** Catalog id of the self-hosted model, present only when FRUGAL_LOCAL_URL is set. */
export const LOCAL_MODEL_ID = 'local-llama';

/**
 * The self-hosted model on an OpenAI-compatible endpoint: price zero, ratings those of the
 * model it serves (Llama 3.1 8B by default; a name mentioning 70b gets Llama 70B's).
 */
export function localModelEntry(localModel: string): CatalogModel {
  const is70b = /70b/i.test(localModel);
  return {
    id: LOCAL_MODEL_ID,
    provider: 'local',
    providerModelId: localModel,
    inputPerMillionMicros: 0,
    outputPerMillionMicros: 0,
    batchDiscountPercent: 0,
    // The served model's window; an Ollama server configured with a smaller num_ctx needs a
    // catalog override, or it truncates prompts silently.
    contextWindow: 131_072,
    maxOutputTokens: 32_768,
    tokenizer: { encoding: 'cl100k_base', expectedRatio: 1, safeRatio: 1.1 },
    rateLimits: {},
    ratings: is70b ? LLAMA_70B_RATINGS : LLAMA_8B_RATINGS,
    // The safest mode: any OpenAI-compatible server answers a prompt that carries the schema.
    // Servers that accept response_format json_object or json_schema (recent Ollama and vLLM)
    // can be raised in the catalog file (README "Structured output per model").
    structuredOutput: 'none',
    typicalLatencyMs: is70b ? 4_000 : 1_500,
    source: 'self-hosted (FRUGAL_LOCAL_URL): no per-token price',
    checkedOn: CHECKED_ON,
  };
}
