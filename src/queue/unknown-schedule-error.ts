import { FrugalError } from '../errors.js';

/** A command named a schedule that does not exist; nothing was changed. */
export class UnknownScheduleError extends FrugalError {
  constructor(name: string) {
    super('SCHEDULE_UNKNOWN', `no schedule named "${name}"`, { hint: 'see `frugal schedule list` for the names' });
  }
}
