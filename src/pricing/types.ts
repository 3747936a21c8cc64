/**
 * Glossary words shared by every layer (see DESIGN.md): a job has a *kind* and a *tier*; a
 * *model* in the catalog has a *rating* per kind on the same scale as tiers, plus `none`.
 */
export const KINDS = ['summarize', 'extract', 'classify', 'report'] as const;
export type Kind = (typeof KINDS)[number];

export const TIERS = ['basic', 'standard', 'advanced', 'premium'] as const;
export type Tier = (typeof TIERS)[number];

/** `none`: never use this model for this kind. */
export const RATINGS = ['none', ...TIERS] as const;
export type Rating = (typeof RATINGS)[number];

export const PROVIDERS = ['groq', 'openai', 'anthropic', 'google', 'local'] as const;
export type ProviderId = (typeof PROVIDERS)[number];

/** Whether a model rated `rating` for a kind may serve a job of `tier`. */
export function ratingMeetsTier(rating: Rating, tier: Tier): boolean {
  return RATINGS.indexOf(rating) >= RATINGS.indexOf(tier);
}

/** Usage as a provider reports it for one call. */
export interface Usage {
  /** All input tokens, cached ones included. */
  inputTokens: number;
  /** The part of `inputTokens` read from the provider's prompt cache (priced at the cached rate). */
  cachedInputTokens: number;
  outputTokens: number;
  /**
   * The part of `outputTokens` the model spent thinking (OpenAI reasoning tokens, Anthropic
   * thinking tokens, Gemini thoughts): billed as output and already inside `outputTokens`, never
   * added on top. Absent when the vendor reports none.
   */
  reasoningTokens?: number;
}
