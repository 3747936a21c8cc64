import { z } from 'zod';
import { InputError } from '../errors.js';
import { KINDS, TIERS, type Kind, type Tier } from '../pricing/types.js';
import { describeValidationIssue, describeValue } from './describe-validation-issue.js';
import { JOB_KINDS } from './index.js';
import { parseDeadline } from './parse-deadline.js';
import { suggestName } from './suggest-name.js';

/** A job as users describe it: one line of a `jobs.jsonl` file, or one `enqueue()` call. */
export interface JobSpec {
  kind: Kind;
  tier: Tier;
  /** Validated against the kind's payload schema (defaults filled in). */
  payload: unknown;
  /** Budgets the job names (global and kind-scoped budgets apply on top). */
  budgets: string[];
  /** A private job only goes to self-hosted models. */
  private: boolean;
  /** BullMQ priority: 1 is the highest of the prioritized jobs (BullMQ runs jobs without one first). */
  priority?: number;
  /**
   * When the answer is needed, as an ISO instant (relative forms are resolved when the job is
   * parsed). Not part of the job id; a deadline that leaves room for a vendor's batch window
   * makes the job batch-eligible. A job that ends after it is flagged late, never failed.
   */
  deadline?: string;
}

const specSchema = z.object({
  kind: z.enum(KINDS, { error: `must be one of ${KINDS.join(', ')}` }),
  tier: z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` }).default('standard'),
  payload: z.unknown(),
  budgets: z.array(z.string().trim().min(1, 'must not be empty')).default([]),
  private: z.boolean().default(false),
  priority: z.number().int().min(1).max(2_097_152).optional(),
  deadline: z.string({ error: 'must be a duration (24h, 2d) or an ISO time' }).optional(),
});

const HINT = 'see the job format in the README ("Job files")';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Rejects the first key `known` does not list, naming it (and the key meant, when one is close). */
function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const meant = suggestName(key, known);
    throw new InputError(
      `unknown key ${JSON.stringify(key)} in ${where}${meant ? ` (did you mean ${JSON.stringify(meant)}?)` : ''}`,
      meant ? `rename it to ${JSON.stringify(meant)}` : `the keys of ${where} are ${known.join(', ')}`,
    );
  }
}

/**
 * Validates a job description, its payload included, and returns it with defaults filled in.
 * Throws an InputError naming the first problem: an unknown key (with the key probably meant),
 * or a field with what it must be and what was found.
 */
export function parseJobSpec(input: unknown, now: Date = new Date()): JobSpec {
  if (!isPlainObject(input)) {
    throw new InputError(`a job must be a JSON object such as {"kind": "summarize", "payload": {"text": "…"}}, found ${describeValue(input)}`, HINT);
  }
  rejectUnknownKeys(input, Object.keys(specSchema.shape), 'the job');
  const spec = specSchema.safeParse(input);
  if (!spec.success) throw new InputError(describeValidationIssue(spec.error.issues[0]!, input), HINT);
  const rawPayload = spec.data.payload ?? {};
  if (!isPlainObject(rawPayload)) throw new InputError(`payload must be a JSON object, found ${describeValue(rawPayload)}`, HINT);
  const payloadSchema = JOB_KINDS[spec.data.kind].payload;
  if (payloadSchema instanceof z.ZodObject) rejectUnknownKeys(rawPayload, Object.keys(payloadSchema.shape), `a ${spec.data.kind} payload`);
  const payload = payloadSchema.safeParse(rawPayload);
  if (!payload.success) throw new InputError(describeValidationIssue(payload.error.issues[0]!, rawPayload, 'payload.'), HINT);
  const { priority, deadline, ...rest } = spec.data;
  const budgets = [...new Set(rest.budgets)].sort();
  return {
    ...rest,
    budgets,
    payload: payload.data,
    ...(priority === undefined ? {} : { priority }),
    ...(deadline === undefined ? {} : { deadline: parseDeadline(deadline, now).toISOString() }),
  };
}
