import type { SimModelSettings } from './sim-config.js';

/**
 * Named sets of quality knobs per provider model id, for the demo and the bench (`frugal sim
 * --quality realistic`). Plausible, not measured: small models err more often. The premium
 * model answers perfectly, so it can serve as the reference.
 */
export const QUALITY_PROFILES = {
  realistic: {
    'llama-3.1-8b-instant': { wrongLabelRate: 0.12, wrongFieldRate: 0.35, weakSummaryRate: 0.3 },
    'llama-3.3-70b-versatile': { wrongLabelRate: 0.04, wrongFieldRate: 0.12, weakSummaryRate: 0.08 },
    'gpt-4o-mini': { wrongLabelRate: 0.02, wrongFieldRate: 0.05, weakSummaryRate: 0.04 },
    'gemini-2.5-flash': { wrongLabelRate: 0.02, wrongFieldRate: 0.04, weakSummaryRate: 0.03 },
  },
} as const satisfies Record<string, Record<string, Partial<SimModelSettings>>>;

export type QualityProfile = keyof typeof QUALITY_PROFILES;

/** The knobs of a named profile as a simulator config `models` patch; an unknown name is an error naming the known ones. */
export function qualityProfile(name: string): Record<string, SimModelSettings> {
  const profile = (QUALITY_PROFILES as Record<string, Record<string, SimModelSettings>>)[name];
  if (!profile) throw new Error(`quality profile "${name}" is not known: use one of ${Object.keys(QUALITY_PROFILES).join(', ')}`);
  return structuredClone(profile);
}
