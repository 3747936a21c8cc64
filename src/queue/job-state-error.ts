import { FrugalError } from '../errors.js';

/** The job exists but its state does not allow what was asked (retrying a completed job, cancelling a running one). */
export class JobStateError extends FrugalError {
  constructor(message: string, hint: string) {
    super('JOB_STATE', message, { hint });
  }
}
