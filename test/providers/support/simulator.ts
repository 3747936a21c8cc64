import { afterAll, beforeAll, beforeEach } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../../../src/providers/types.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../../src/providers/sim/simulator.js';

/** A fixed clock 20 s into a 60 s rate window, so a 429's wait is exactly 40 s. */
export const FIXED_NOW = 1_800_000_000_000 - (1_800_000_000_000 % 60_000) + 20_000;
export const WAIT_AT_FIXED_NOW_MS = 40_000;

/**
 * Starts a simulator on a free port for the calling test file (clock fixed at FIXED_NOW), and
 * resets its knobs and counters before every test.
 */
export function useSimulator(options: SimulatorOptions = {}): { sim: RunningSimulator } {
  const holder = {} as { sim: RunningSimulator };
  beforeAll(async () => {
    holder.sim = await startSimulator({ port: 0, now: () => FIXED_NOW, ...options });
  });
  afterAll(async () => {
    await holder.sim?.close();
  });
  beforeEach(() => {
    holder.sim.configure(options.config ?? {}, { replace: true });
    holder.sim.reset();
  });
  return holder;
}

export const REPORT = [
  'Summarize the following document:',
  '',
  'The quarterly report shows revenue grew by 12 percent. Costs fell in every region. The board approved a new dividend.',
  'Analysts expect further growth next year. The billing team resolved most tickets within a day.',
  '',
  'Customer churn dropped to a record low. Hiring slowed in the second half. The company opened two new offices.',
].join('\n');

/** A classification schema: `label` is an enum of the offered labels; nested object and array. */
export const TICKET_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    label: { type: 'string', enum: ['sales', 'billing', 'technical'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasons: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
    customer: {
      type: 'object',
      properties: { name: { type: 'string' }, priority: { type: 'integer', minimum: 1, maximum: 5 } },
      required: ['name', 'priority'],
      additionalProperties: false,
    },
  },
  required: ['label', 'confidence', 'reasons', 'customer'],
  additionalProperties: false,
};

export const TICKET = 'Subject: invoice charged twice. I was charged twice on my billing statement this month. Please refund the duplicate billing charge.';

/** Whether `value` validates against `schema` (zod's JSON Schema reader, independent of the simulator). */
export function validates(schema: JsonSchema, value: unknown): boolean {
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value).success;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
