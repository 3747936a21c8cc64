import { FrugalError } from '../errors.js';

/** A reservation reused the id of a call that is already settled, released or closed. */
export class CallIdReusedError extends FrugalError {
  readonly callId: string;

  constructor(callId: string, status: string) {
    super('CALL_ID_REUSED', `call id ${callId} was already used by a call now ${status}`, { hint: 'give every provider call a fresh id (newCallId())' });
    this.callId = callId;
  }
}
