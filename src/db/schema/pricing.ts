import { sql } from 'drizzle-orm';
import { check, doublePrecision, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Tokenizer calibration per catalog model: how many input tokens providers reported against
 * frugal's raw tiktoken count. The sums decay with every observation (recent calls weigh more,
 * so a vendor's tokenizer change is learned within a few dozen calls); `max_ratio` never
 * decays, so the safe bound for reservations only moves down once many calls agree.
 */
export const pricingCalibration = pgTable(
  'pricing_calibration',
  {
    /** Catalog model id (`claude-haiku`). */
    model: text('model').primaryKey(),
    /** Observations recorded (not decayed). */
    samples: integer('samples').notNull().default(0),
    /** Decayed sum of frugal's raw estimates of input tokens. */
    estimatedTokens: doublePrecision('estimated_tokens').notNull().default(0),
    /** Decayed sum of the input tokens the provider reported for the same calls. */
    reportedTokens: doublePrecision('reported_tokens').notNull().default(0),
    /** Largest reported/estimated ratio seen, or raised after a call overran its reservation. */
    maxRatio: doublePrecision('max_ratio').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [check('pricing_calibration_nonnegative', sql`${t.samples} >= 0 and ${t.estimatedTokens} >= 0 and ${t.reportedTokens} >= 0 and ${t.maxRatio} >= 0`)],
);

/**
 * Thinking tokens allowed on top of the answer cap per catalog model and effort, learned as a
 * maximum: raised when a call stops at its output limit after thinking, never lowered. Rows exist
 * only for raised allowances; the catalog's allowance applies otherwise.
 */
export const pricingThinkingAllowance = pgTable(
  'pricing_thinking_allowance',
  {
    /** Catalog model id (`claude-haiku`). */
    model: text('model').notNull(),
    /** Anthropic effort (`low` … `max`); `medium` stands for Gemini's dynamic budget. */
    effort: text('effort').notNull(),
    allowanceTokens: integer('allowance_tokens').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.model, t.effort] }), check('pricing_thinking_allowance_positive', sql`${t.allowanceTokens} > 0`)],
);
