import { FrugalError } from '../errors.js';

/**
 * A reservation came without a usable maximum cost, which is what an unpriced model produces:
 * the call is refused rather than waved through unreserved.
 */
export class UnpricedCallError extends FrugalError {
  constructor(model: string, got: unknown) {
    super('CALL_UNPRICED', `cannot reserve a call to model "${model}": its maximum cost is ${String(got)}, not a non-negative whole number of micro-dollars`, {
      hint: 'price the model in the catalog (FRUGAL_CATALOG) or route the job to a priced model',
    });
  }
}
