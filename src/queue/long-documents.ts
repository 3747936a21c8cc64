import type { JobsOptions } from 'bullmq';
import type { JobSpec } from '../jobs/job-spec.js';
import type { SummarizePayload } from '../jobs/summarize.js';
import type { IntakeJobData } from './queues.js';

/**
 * A long document is summarized map-reduce: its chunks are child jobs (each a normal summarize
 * job through the same path) and the job itself becomes the parent that combines their summaries.
 * Children of reduce level L are named `<parent>-L<L>-<i>`, so the parent can tell the levels
 * apart when it reads its children's results.
 */
export interface ChildJob {
  name: string;
  data: IntakeJobData;
  opts: JobsOptions & { jobId: string };
}

export function childJobId(parentId: string, level: number, index: number): string {
  return `${parentId}-L${level}-${String(index).padStart(4, '0')}`;
}

/** The level and index of a child job id made by {@link childJobId}, or undefined. */
export function parseChildJobId(jobId: string): { parentId: string; level: number; index: number } | undefined {
  const match = /^(.*)-L(\d+)-(\d+)$/.exec(jobId);
  return match ? { parentId: match[1]!, level: Number(match[2]), index: Number(match[3]) } : undefined;
}

/** The child jobs summarizing `chunks` of the parent's document at reduce level `level`. */
export function chunkJobs(parentId: string, parent: JobSpec, chunks: readonly string[], level: number): ChildJob[] {
  const payload = parent.payload as SummarizePayload;
  return chunks.map((text, index) => {
    const jobId = childJobId(parentId, level, index);
    const spec: JobSpec = {
      ...parent,
      payload: { text, maxWords: payload.maxWords, ...(payload.source ? { source: payload.source } : {}), part: { role: 'chunk', index, of: chunks.length } },
    };
    return { name: 'summarize', data: { spec, parentId }, opts: { jobId, ...(parent.priority === undefined ? {} : { priority: parent.priority }) } };
  });
}

/** The parent's spec once it combines: its text is filled in from the children's summaries at run time. */
export function combineSpec(parent: JobSpec, chunkCount: number): JobSpec {
  const payload = parent.payload as SummarizePayload;
  return { ...parent, payload: { ...payload, text: '', part: { role: 'combine', index: 0, of: chunkCount } } };
}
