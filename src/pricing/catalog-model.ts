import type { Effort, Reasoning } from './reasoning.js';
import type { StructuredOutputMode } from './structured-output.js';
import type { Encoding } from './tokenizer.js';
import type { Kind, ProviderId, Rating } from './types.js';

/**
 * How frugal counts a model's tokens: the closest public tiktoken encoding, times a correction
 * factor for models whose own tokenizer is not public or differs (Claude, Gemini).
 */
export interface TokenizerSpec {
  encoding: Encoding;
  /** Provider tokens per counted token, best guess (routing). 1 when the encoding is the model's own. */
  expectedRatio: number;
  /** Provider tokens per counted token, upper bound (reservations). At least `expectedRatio`. */
  safeRatio: number;
}

/**
 * Prices that replace the base prices when a call's prompt is longer than `aboveInputTokens`
 * provider tokens (Anthropic's Haiku 5.5, Gemini Pro). The whole call is then billed at these.
 */
export interface LongContextPrices {
  aboveInputTokens: number;
  inputPerMillionMicros: number;
  outputPerMillionMicros: number;
  cachedInputPerMillionMicros?: number;
}

/** A provider's published limits for one model on the account tier frugal assumes; absent = none. */
export interface RateLimits {
  /** Requests per window (per minute unless `windowSeconds` says otherwise). */
  rpm?: number;
  /** Tokens per window (input tokens where the vendor limits input and output separately). */
  tpm?: number;
  /**
   * Length of the window `rpm` and `tpm` are counted over. Default 60: vendors publish per-minute
   * limits. Tests and the rate-limit benchmark shorten it to match a simulator's window.
   */
  windowSeconds?: number;
}

/** One entry of the catalog. Money is integer micro-dollars per million tokens. */
export interface CatalogModel {
  /** frugal's own id (`gpt-4o-mini`, `claude-haiku`), stable across vendor renames. */
  id: string;
  provider: ProviderId;
  /** The id the provider's API expects (`claude-haiku-5-5`). */
  providerModelId: string;
  inputPerMillionMicros: number;
  outputPerMillionMicros: number;
  /** Price of input tokens read from the provider's prompt cache; absent = billed as normal input. */
  cachedInputPerMillionMicros?: number;
  longContext?: LongContextPrices;
  /** Discount of the vendor's batch API, in percent of the normal price (50 = half price). */
  batchDiscountPercent: number;
  /** Input plus output tokens the model accepts in one call. */
  contextWindow: number;
  maxOutputTokens: number;
  tokenizer: TokenizerSpec;
  rateLimits: RateLimits;
  /** Quality per job kind on the tier scale; `none` = never route this kind here. */
  ratings: Record<Kind, Rating>;
  /**
   * How the model takes structured output (see STRUCTURED_OUTPUT_MODES): the vendor's schema
   * mechanism, strict or best-effort, JSON mode with the schema in the prompt, or the prompt alone.
   */
  structuredOutput: StructuredOutputMode;
  /**
   * The reasoning control sent with every call of each kind (Anthropic `{effort, thinking}`,
   * Google `{thinkingBudget}`); absent for models without one.
   */
  reasoning?: Record<Kind, Reasoning>;
  /**
   * Thinking tokens allowed on top of the answer cap under adaptive thinking, per effort; absent
   * efforts use DEFAULT_THINKING_ALLOWANCE. A call that stops at its limit after thinking raises
   * the learned allowance above these.
   */
  thinkingAllowance?: Partial<Record<Effort, number>>;
  /** Typical time to a complete short answer, for tie-breaks between equally cheap models. */
  typicalLatencyMs: number;
  /** Where the prices and limits come from. */
  source: string;
  /** When `source` was last checked, `YYYY-MM-DD`. */
  checkedOn: string;
  notes?: string;
}
