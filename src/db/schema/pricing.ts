import { sql } from 'drizzle-orm';
import { check, doublePrecision, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

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
