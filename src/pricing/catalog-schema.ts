import { z } from 'zod';
import { parseDollars } from './money.js';
import { EFFORTS } from './reasoning.js';
import { STRUCTURED_OUTPUT_MODES } from './structured-output.js';
import { KINDS, PROVIDERS, RATINGS } from './types.js';

/**
 * Schemas of the catalog override file (FRUGAL_CATALOG) and of a complete catalog entry.
 * Prices may be written in dollars per million tokens (`inputPerMillion: 0.15`, parsed from
 * the decimal text, never through float arithmetic) or in micro-dollars
 * (`inputPerMillionMicros: 150000`).
 */

export const ENCODINGS = ['cl100k_base', 'o200k_base'] as const;

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const micros = z.number().int().min(0);
const positiveInt = z.number().int().min(1);
const positiveNumber = z.number().positive();
const ratio = z.number().min(0.1).max(10);
const rating = z.enum(RATINGS);

const dollars = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDollars(String(value));
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be a non-negative dollar amount with at most 6 decimals, e.g. 0.15 (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
});

/**
 * One kind's reasoning control: Anthropic's `effort` and `thinking`, or Gemini's `thinkingBudget`
 * (0 = off, -1 = dynamic, > 0 = at most that many thinking tokens).
 */
const reasoningFields = {
  effort: z.enum(EFFORTS).optional(),
  thinking: z.enum(['adaptive', 'disabled']).optional(),
  thinkingBudget: z.number().int().min(-1).optional(),
};
const reasoningOverride = z.strictObject(reasoningFields);
const reasoningEntry = z.strictObject(reasoningFields);
const allowance = z.partialRecord(z.enum(EFFORTS), positiveInt);

const PRICE_FIELDS = ['inputPerMillion', 'outputPerMillion', 'cachedInputPerMillion'] as const;

/** Accepts `<field>` in dollars or `<field>Micros`, not both; yields `<field>Micros` only. */
function normalizePrices<T extends Record<string, unknown>>(entry: T, ctx: z.RefinementCtx): T {
  const out: Record<string, unknown> = { ...entry };
  for (const field of PRICE_FIELDS) {
    if (!(field in entry)) continue;
    if (`${field}Micros` in entry) {
      ctx.addIssue({ code: 'custom', path: [field], message: `is given twice: write either ${field} (dollars) or ${field}Micros, not both` });
    }
    out[`${field}Micros`] = entry[field];
    delete out[field];
  }
  return out as T;
}

const longContextOverride = z
  .strictObject({
    aboveInputTokens: positiveInt.optional(),
    inputPerMillionMicros: micros.optional(),
    inputPerMillion: dollars.optional(),
    outputPerMillionMicros: micros.optional(),
    outputPerMillion: dollars.optional(),
    cachedInputPerMillionMicros: micros.nullable().optional(),
    cachedInputPerMillion: dollars.nullable().optional(),
  })
  .transform(normalizePrices);

/** One model in the override file: every field optional; `null` removes an optional field. */
export const modelOverrideSchema = z
  .strictObject({
    provider: z.enum(PROVIDERS).optional(),
    providerModelId: z.string().min(1).optional(),
    inputPerMillionMicros: micros.optional(),
    inputPerMillion: dollars.optional(),
    outputPerMillionMicros: micros.optional(),
    outputPerMillion: dollars.optional(),
    cachedInputPerMillionMicros: micros.nullable().optional(),
    cachedInputPerMillion: dollars.nullable().optional(),
    longContext: longContextOverride.nullable().optional(),
    batchDiscountPercent: z.number().int().min(0).max(100).optional(),
    contextWindow: positiveInt.optional(),
    maxOutputTokens: positiveInt.optional(),
    tokenizer: z.strictObject({ encoding: z.enum(ENCODINGS).optional(), expectedRatio: ratio.optional(), safeRatio: ratio.optional() }).optional(),
    rateLimits: z
      .strictObject({ rpm: positiveInt.nullable().optional(), tpm: positiveInt.nullable().optional(), windowSeconds: positiveNumber.nullable().optional() })
      .optional(),
    ratings: z.partialRecord(z.enum(KINDS), rating).optional(),
    structuredOutput: z.enum(STRUCTURED_OUTPUT_MODES).optional(),
    reasoning: z.partialRecord(z.enum(KINDS), reasoningOverride).nullable().optional(),
    thinkingAllowance: allowance.nullable().optional(),
    typicalLatencyMs: z.number().int().min(0).optional(),
    source: z.string().min(1).optional(),
    checkedOn: z.string().regex(DATE, 'must be a date written YYYY-MM-DD').optional(),
    notes: z.string().optional(),
  })
  .transform(normalizePrices);

export type ModelOverride = z.output<typeof modelOverrideSchema>;

export const catalogFileSchema = z.strictObject({
  models: z.record(z.string().regex(MODEL_ID, 'model ids may hold letters, digits, ".", "_", ":" and "-"'), modelOverrideSchema),
});

/** A complete catalog entry, checked after the override file is merged onto the built-ins. */
export const catalogModelSchema = z
  .strictObject({
    id: z.string().regex(MODEL_ID),
    provider: z.enum(PROVIDERS),
    providerModelId: z.string().min(1),
    inputPerMillionMicros: micros,
    outputPerMillionMicros: micros,
    cachedInputPerMillionMicros: micros.optional(),
    longContext: z
      .strictObject({
        aboveInputTokens: positiveInt,
        inputPerMillionMicros: micros,
        outputPerMillionMicros: micros,
        cachedInputPerMillionMicros: micros.optional(),
      })
      .optional(),
    batchDiscountPercent: z.number().int().min(0).max(100),
    contextWindow: positiveInt,
    maxOutputTokens: positiveInt,
    tokenizer: z.strictObject({ encoding: z.enum(ENCODINGS), expectedRatio: ratio, safeRatio: ratio }),
    rateLimits: z.strictObject({ rpm: positiveInt.optional(), tpm: positiveInt.optional(), windowSeconds: positiveNumber.optional() }),
    ratings: z.strictObject({ summarize: rating, extract: rating, classify: rating, report: rating }),
    structuredOutput: z.enum(STRUCTURED_OUTPUT_MODES),
    reasoning: z.partialRecord(z.enum(KINDS), reasoningEntry).optional(),
    thinkingAllowance: allowance.optional(),
    typicalLatencyMs: z.number().int().min(0),
    source: z.string().min(1),
    checkedOn: z.string().regex(DATE, 'must be a date written YYYY-MM-DD'),
    notes: z.string().optional(),
  })
  .superRefine((model, ctx) => {
    if (model.tokenizer.safeRatio < model.tokenizer.expectedRatio) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenizer', 'safeRatio'],
        message: `(${model.tokenizer.safeRatio}) must be at least tokenizer.expectedRatio (${model.tokenizer.expectedRatio})`,
      });
    }
    if (model.maxOutputTokens > model.contextWindow) {
      ctx.addIssue({ code: 'custom', path: ['maxOutputTokens'], message: `(${model.maxOutputTokens}) must not exceed contextWindow (${model.contextWindow})` });
    }
    if (model.reasoning) {
      for (const kind of KINDS) {
        const entry = model.reasoning[kind];
        const path = ['reasoning', kind];
        if (model.provider !== 'anthropic' && model.provider !== 'google') {
          ctx.addIssue({ code: 'custom', path: ['reasoning'], message: `is not supported for ${model.provider} models: only Anthropic and Google models take a reasoning control` });
          break;
        }
        if (entry === undefined) {
          ctx.addIssue({ code: 'custom', path, message: 'is required once a model has a reasoning setting: give every kind (summarize, extract, classify, report)' });
          continue;
        }
        if (model.provider === 'anthropic') {
          if (entry.thinkingBudget !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'thinkingBudget'], message: 'applies to Google models only: give Anthropic models effort and thinking' });
          if (entry.effort === undefined) ctx.addIssue({ code: 'custom', path: [...path, 'effort'], message: `is required for an Anthropic model: one of ${EFFORTS.join(', ')}` });
          if (entry.thinking === undefined) ctx.addIssue({ code: 'custom', path: [...path, 'thinking'], message: 'is required for an Anthropic model: adaptive or disabled' });
          if (entry.thinking === 'disabled' && (entry.effort === 'xhigh' || entry.effort === 'max')) {
            ctx.addIssue({ code: 'custom', path: [...path, 'thinking'], message: `cannot be disabled at effort ${entry.effort} (Anthropic answers 400): use effort low, medium or high, or thinking adaptive` });
          }
        } else {
          if (entry.effort !== undefined || entry.thinking !== undefined) ctx.addIssue({ code: 'custom', path, message: 'takes thinkingBudget only for a Google model (effort and thinking are Anthropic controls)' });
          if (entry.thinkingBudget === undefined) ctx.addIssue({ code: 'custom', path: [...path, 'thinkingBudget'], message: 'is required for a Google model: 0 (off), -1 (dynamic) or a positive cap' });
        }
      }
    }
    if (model.longContext && model.longContext.aboveInputTokens >= model.contextWindow) {
      ctx.addIssue({
        code: 'custom',
        path: ['longContext', 'aboveInputTokens'],
        message: `(${model.longContext.aboveInputTokens}) must be below contextWindow (${model.contextWindow})`,
      });
    }
  });
