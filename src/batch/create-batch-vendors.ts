import type { Config } from '../config.js';
import { estimateUsageWithTiktoken, type EstimateUsage } from '../providers/estimate-usage.js';
import type { BatchVendor } from './batch-vendor.js';
import { GroqBatchVendor } from './groq-batch-vendor.js';
import { OpenAIBatchVendor } from './openai-batch-vendor.js';

/**
 * The batch APIs frugal can use, by provider id: those of OpenAI and Groq when their key (or the
 * simulator) is configured. Anthropic and Gemini batches come in part 2.
 */
export function createBatchVendors(config: Pick<Config, 'keys' | 'simUrl'>, estimateUsage: EstimateUsage = estimateUsageWithTiktoken): Map<string, BatchVendor> {
  const sim = config.simUrl?.replace(/\/+$/, '');
  const vendors = new Map<string, BatchVendor>();
  const openaiKey = config.keys.openai ?? (sim ? 'sim-openai' : undefined);
  if (openaiKey) vendors.set('openai', new OpenAIBatchVendor({ apiKey: openaiKey, estimateUsage, ...(sim ? { baseURL: `${sim}/v1` } : {}) }));
  const groqKey = config.keys.groq ?? (sim ? 'sim-groq' : undefined);
  if (groqKey) vendors.set('groq', new GroqBatchVendor({ apiKey: groqKey, estimateUsage, ...(sim ? { baseURL: sim } : {}) }));
  return vendors;
}
