import { FrugalError } from '../errors.js';

/** An answered call's settlement (and result) could not reach Postgres before its reservation turned stale. */
export class SettlementAbandonedError extends FrugalError {
  constructor(
    readonly callId: string,
    readonly jobId: string,
    cause: unknown,
  ) {
    super('SETTLEMENT_ABANDONED', `call ${callId} of job ${jobId} could not be settled: Postgres stayed unreachable until its reservation turned stale (${describe(cause)})`, {
      hint: 'the reservation is closed as spent at its maximum; check the connection to Postgres',
      cause,
    });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
