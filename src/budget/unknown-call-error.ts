import { FrugalError } from '../errors.js';

/** Settlement or release of a call id that has no ledger row (it was never reserved). */
export class UnknownCallError extends FrugalError {
  readonly callId: string;

  constructor(callId: string) {
    super('CALL_UNKNOWN', `no reservation for call ${callId}`, { hint: 'settle or release only call ids that reserve() accepted' });
    this.callId = callId;
  }
}
