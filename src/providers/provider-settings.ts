import type { EstimateUsage } from './estimate-usage.js';

/** Settings every adapter takes. */
export interface ProviderSettings {
  /** The provider API key (a dummy one for the simulator). Never logged, never in an error. */
  apiKey: string;
  /** Where the SDK sends requests. Default: the SDK's own (the vendor's public API). */
  baseURL?: string;
  /** Estimates usage when an answer's usage is missing or malformed. Default {@link estimateUsageWithTiktoken}. */
  estimateUsage?: EstimateUsage;
  /** Time limit of a call whose request sets no `timeoutMs`. Default 120 000 ms. */
  defaultTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
