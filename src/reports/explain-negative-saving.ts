import { formatDollars } from '../pricing/money.js';
import type { PremiumFigures } from './report-figures.js';

/**
 * Why routing cost more than the premium model alone would have, or undefined when it did not:
 * the kinds whose calls cost more than their premium model would have for the same tokens, and
 * what lets that happen. Routing picks the cheapest model by expected cost among those it can
 * use at the time, so a negative saving means the premium model could not be used (no key, an
 * unhealthy provider, a private job) or that estimates and actual usage differed.
 */
export function explainNegativeSaving(premium: PremiumFigures): string | undefined {
  if (premium.savingMicros >= 0) return undefined;
  const dearer = premium.byKind
    .filter((k) => k.premiumModel !== null && k.actualMicros > k.equivalentMicros)
    .map((k) => `${k.kind} calls cost ${formatDollars(k.actualMicros)} where ${k.premiumModel} would have cost ${formatDollars(k.equivalentMicros)}`);
  return (
    `Routing cost ${formatDollars(-premium.savingMicros)} more than the premium model alone would have` +
    (dearer.length > 0 ? `: ${dearer.join('; ')}.` : '.') +
    ' The router takes the model with the lowest expected cost among those it may use at the time, so this happens when the premium model was unavailable' +
    ' (no API key, an unhealthy provider, a private job) or when actual usage differed from the estimates.'
  );
}
