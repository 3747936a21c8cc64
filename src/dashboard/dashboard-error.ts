import { FrugalError } from '../errors.js';

/** The dashboard cannot start as asked (an exposed address without a token, a taken port). */
export class DashboardStartError extends FrugalError {
  constructor(code: 'DASHBOARD_TOKEN_REQUIRED' | 'DASHBOARD_PORT_TAKEN' | 'DASHBOARD_TOKEN_WEAK', message: string, hint: string) {
    super(code, message, { hint });
  }
}
