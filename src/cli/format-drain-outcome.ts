import type { DrainOutcome } from '../workers/frugal-worker.js';

/**
 * The line `worker --until-empty` exits with: what, if anything, was left and why it cannot run
 * now, e.g. `queue drained: 12 waiting for budget (until 2026-12-02T00:00:00Z), queue paused
 * with 3 held (frugal queue resume)`.
 */
export function formatDrainOutcome(outcome: DrainOutcome): string {
  const left: string[] = [];
  if (outcome.waitingForBudget > 0) {
    const until = outcome.waitingUntil ? ` (until ${outcome.waitingUntil.toISOString().replace(/\.\d{3}Z$/, 'Z')})` : '';
    left.push(`${outcome.waitingForBudget} waiting for budget${until}; frugal status shows which`);
  }
  if (outcome.inBatches > 0) left.push(`${outcome.inBatches} job(s) in provider batches (a later worker run collects them; frugal batches shows them)`);
  if (outcome.paused) left.push(`queue paused${outcome.held > 0 ? ` with ${outcome.held} job(s) held` : ''} (frugal queue resume)`);
  return left.length === 0 ? 'queue drained' : `queue drained: ${left.join(', ')}`;
}
