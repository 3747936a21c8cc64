import { FrugalError } from '../errors.js';

export type EvalErrorCode = 'EVAL_BUDGET_REFUSED' | 'EVAL_CALL_FAILED' | 'EVAL_NO_REFERENCE' | 'EVAL_NO_JUDGE' | 'EVAL_BAD_OPTION';

/** An eval cannot go on (a budget refused its calls, a provider kept failing) or was asked wrongly. */
export class EvalError extends FrugalError {
  constructor(code: EvalErrorCode, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
  }
}
