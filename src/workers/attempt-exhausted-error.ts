import { FrugalError } from '../errors.js';

/**
 * Every qualified model's answer failed the output check in this attempt (or the attempt made
 * its last call). Not the job's end: BullMQ's remaining attempts retry it, each starting afresh.
 */
export class AttemptExhaustedError extends FrugalError {
  constructor(message: string) {
    super('ATTEMPT_EXHAUSTED', message, { hint: 'the job is retried while it has attempts left; `frugal jobs failed` shows it once it has none' });
  }
}
