import { z } from 'zod';
import { InputError } from '../errors.js';
import { KINDS, TIERS, type Kind, type Tier } from '../pricing/types.js';
import { JOB_KINDS } from './index.js';
import { parseDeadline } from './parse-deadline.js';

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

/**
 * Validates a job description, its payload included, and returns it with defaults filled in.
 * Throws an InputError naming the first bad field.
 */
export function parseJobSpec(input: unknown, now: Date = new Date()): JobSpec {
  const spec = specSchema.safeParse(input);
  if (!spec.success) throw inputError(spec.error, '');
  const payload = JOB_KINDS[spec.data.kind].payload.safeParse(spec.data.payload ?? {});
  if (!payload.success) throw inputError(payload.error, 'payload.');
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

function inputError(error: z.ZodError, prefix: string): InputError {
  const issue = error.issues[0]!;
  const field = `${prefix}${issue.path.join('.')}` || 'job';
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is missing' : issue.message;
  return new InputError(`${field} ${message}`, 'see the job format in the README ("Job files")');
}
