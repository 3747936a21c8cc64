import { FrugalError } from '../errors.js';

/** A command named a job id frugal has no record of; nothing was changed. */
export class UnknownJobError extends FrugalError {
  constructor(jobId: string) {
    super('JOB_UNKNOWN', `no job with id "${jobId}"`, { hint: 'job ids are shown by `frugal jobs failed`, `frugal status` and `frugal results`' });
  }
}
