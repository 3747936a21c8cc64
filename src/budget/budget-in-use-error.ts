import { FrugalError } from '../errors.js';

/** A budget with open reservations cannot be deleted: their settlement needs it. */
export class BudgetInUseError extends FrugalError {
  constructor(name: string, open: number) {
    super('BUDGET_IN_USE', `budget "${name}" has ${open} open reservation(s)`, {
      hint: 'wait until those calls settle (or `frugal budget close-stale` closes reservations of dead workers), then delete again',
    });
  }
}
