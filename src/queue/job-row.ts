import type { jobs } from '../db/schema/jobs.js';
import type { JobSpec } from '../jobs/job-spec.js';

/** The columns of a `jobs` row that come from the job itself. */
export function jobRow(jobId: string, spec: JobSpec, parentId?: string): Pick<typeof jobs.$inferInsert, 'jobId' | 'kind' | 'tier' | 'budgets' | 'private' | 'priority' | 'parentId' | 'deadline'> {
  return {
    jobId,
    kind: spec.kind,
    tier: spec.tier,
    budgets: spec.budgets,
    private: spec.private,
    priority: spec.priority ?? null,
    parentId: parentId ?? null,
    deadline: spec.deadline === undefined ? null : new Date(spec.deadline),
  };
}
