import { MICROS_PER_DOLLAR } from './money.js';

/**
 * A per-million-token price for people, with every significant digit: `$0.15`, `$0.075`,
 * `$2.50`. (formatDollars rounds amounts of a cent or more to cents, which would show $0.075
 * as $0.08.)
 */
export function formatPerMillion(micros: number): string {
  const whole = Math.floor(micros / MICROS_PER_DOLLAR);
  const fraction = String(micros % MICROS_PER_DOLLAR).padStart(6, '0').replace(/0+$/, '');
  return `$${whole.toLocaleString('en-US')}.${fraction.padEnd(2, '0')}`;
}
