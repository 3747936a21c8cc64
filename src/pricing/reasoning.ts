import type { Kind } from './types.js';

/** Anthropic's effort levels (`output_config.effort`), lowest first. */
export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type Effort = (typeof EFFORTS)[number];

/** Claude's reasoning control: the effort, and whether adaptive thinking may run at all. */
export interface AnthropicReasoning {
  effort: Effort;
  thinking: 'adaptive' | 'disabled';
}

/** Gemini's reasoning control: 0 = no thinking, -1 = the model decides, > 0 = at most this many thinking tokens. */
export interface GoogleReasoning {
  thinkingBudget: number;
}

/** The reasoning control frugal sends with a call (always explicitly, never the vendor's default). */
export type Reasoning = AnthropicReasoning | GoogleReasoning;

export function isAnthropicReasoning(reasoning: Reasoning | undefined): reasoning is AnthropicReasoning {
  return reasoning !== undefined && 'effort' in reasoning;
}

export function isGoogleReasoning(reasoning: Reasoning | undefined): reasoning is GoogleReasoning {
  return reasoning !== undefined && 'thinkingBudget' in reasoning;
}

/**
 * Default reasoning per kind for Claude models that think by default: short structured answers
 * (classify, extract) without thinking at effort `low`; prose (summarize, report) at `low` with
 * adaptive thinking.
 */
export const ANTHROPIC_REASONING_BY_KIND: Readonly<Record<Kind, AnthropicReasoning>> = {
  classify: { effort: 'low', thinking: 'disabled' },
  extract: { effort: 'low', thinking: 'disabled' },
  summarize: { effort: 'low', thinking: 'adaptive' },
  report: { effort: 'low', thinking: 'adaptive' },
};

/** Default reasoning per kind for Gemini Flash: no thinking for any kind. */
export const GOOGLE_REASONING_BY_KIND: Readonly<Record<Kind, GoogleReasoning>> = {
  classify: { thinkingBudget: 0 },
  extract: { thinkingBudget: 0 },
  summarize: { thinkingBudget: 0 },
  report: { thinkingBudget: 0 },
};

/**
 * Thinking tokens allowed on top of the answer cap under adaptive thinking (or Gemini's dynamic
 * budget), per effort, until a call that stops at the limit after thinking raises it. Generous on
 * purpose: a reservation is a true upper bound, and an allowance too small truncates an answer.
 */
export const DEFAULT_THINKING_ALLOWANCE: Readonly<Record<Effort, number>> = { low: 2_048, medium: 8_192, high: 16_384, xhigh: 32_768, max: 65_536 };

/** The allowance key for Gemini's dynamic budget (`thinkingBudget: -1`). */
export const DYNAMIC_BUDGET_EFFORT: Effort = 'medium';

/** What a call's thinking allowance is keyed by: the effort, or `medium` for Gemini's dynamic budget. */
export function allowanceEffort(reasoning: Reasoning): Effort {
  return isAnthropicReasoning(reasoning) ? reasoning.effort : DYNAMIC_BUDGET_EFFORT;
}

/**
 * The thinking tokens a call may spend on top of its answer cap: none with thinking off, Gemini's
 * positive budget exactly, otherwise `allowance` (the allowance in force for the effort).
 */
export function thinkingTokensAllowed(reasoning: Reasoning | undefined, allowance: number): number {
  if (reasoning === undefined) return 0;
  if (isAnthropicReasoning(reasoning)) return reasoning.thinking === 'disabled' ? 0 : allowance;
  if (reasoning.thinkingBudget === 0) return 0;
  return reasoning.thinkingBudget > 0 ? reasoning.thinkingBudget : allowance;
}

/**
 * The allowance after a call stopped at its output limit having thought `reasoningTokens`: at
 * least double the allowance it had, and double what it thought.
 */
export function raisedThinkingAllowance(allowance: number, reasoningTokens: number): number {
  return Math.max(allowance * 2, reasoningTokens * 2);
}
