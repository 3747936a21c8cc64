/**
 * frugal as a library, for services that produce jobs (and for running workers in-process).
 *
 *   import { enqueue } from 'frugal';
 *   await enqueue([{ kind: 'summarize', tier: 'basic', payload: { text }, budgets: ['marketing'] }]);
 */
import { loadConfig, type Config } from './config.js';
import { parseJobSpec } from './jobs/job-spec.js';
import { openProducer } from './queue/open-producer.js';
import type { EnqueueOutcome } from './queue/producer.js';

export { loadConfig, type Config } from './config.js';
export { FrugalError, InputError } from './errors.js';
export { parseJobSpec, type JobSpec } from './jobs/job-spec.js';
export type { Kind, Tier } from './pricing/types.js';
export { openProducer, type OpenProducer } from './queue/open-producer.js';
export type { EnqueueOutcome, EnqueueStatus } from './queue/producer.js';
export { FrugalWorker, type FrugalWorkerOptions } from './workers/frugal-worker.js';

export interface EnqueueOptions {
  /** Run again even when the same job already has a result. Default false. */
  force?: boolean;
  /** Configuration; default: read from the environment. */
  config?: Config;
}

/**
 * Validates and enqueues jobs (`{ kind, tier?, payload, budgets?, private?, priority? }`, the
 * format of a line of a jobs file). Every job is validated before any is enqueued: a bad one
 * throws an InputError naming its index and field, and nothing is added. Opens and closes its
 * connections per call; a service enqueueing continuously should keep an `openProducer()`.
 */
export async function enqueue(jobs: unknown | unknown[], options: EnqueueOptions = {}): Promise<EnqueueOutcome[]> {
  const list = Array.isArray(jobs) ? jobs : [jobs];
  const specs = list.map((job, i) => {
    try {
      return parseJobSpec(job);
    } catch (error) {
      throw Object.assign(error as Error, { message: `job ${i}: ${(error as Error).message}` });
    }
  });
  const opened = await openProducer(options.config ?? loadConfig());
  try {
    return await opened.producer.enqueue(specs, { force: options.force === true });
  } finally {
    await opened.close();
  }
}
