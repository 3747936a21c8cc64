import { FrugalError } from '../errors.js';

/** A job or a command named a budget that does not exist; nothing was reserved or changed. */
export class UnknownBudgetError extends FrugalError {
  readonly budgetNames: string[];

  constructor(names: readonly string[]) {
    const quoted = names.map((n) => `"${n}"`).join(', ');
    super('BUDGET_UNKNOWN', `no budget named ${quoted}`, {
      hint: 'create it with `frugal budget set NAME --limit DOLLARS --period day|week|month|total`, or fix the name (see `frugal budget list`)',
    });
    this.budgetNames = [...names];
  }
}
