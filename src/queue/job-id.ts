import { createHash } from 'node:crypto';
import type { JobSpec } from '../jobs/job-spec.js';

/**
 * A job's id derives from its content and parameters, so enqueueing the same work twice is one
 * job (and, checked against the results in Postgres, one spend). BullMQ ids may not contain ':'.
 */
export function jobIdFor(spec: JobSpec): string {
  const hash = createHash('sha256')
    .update(canonicalJson({ kind: spec.kind, tier: spec.tier, payload: spec.payload, budgets: spec.budgets, private: spec.private }))
    .digest('base64url')
    .slice(0, 22);
  return `${spec.kind}-${hash}`;
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
