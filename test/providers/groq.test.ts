import { GroqProvider } from '../../src/providers/groq/groq-provider.js';
import { useTestEnv } from '../support/env.js';
import { describeProviderContract } from './support/provider-contract.js';

useTestEnv();

describeProviderContract({
  sdk: 'groq-sdk',
  providerId: 'groq',
  protocol: 'groq',
  model: 'llama-3.1-8b-instant',
  // Groq's context-length message names no counts.
  contextCounts: false,
  create: (simUrl, settings) => new GroqProvider({ apiKey: settings.apiKey ?? 'sim', baseURL: simUrl, ...(settings.estimateUsage ? { estimateUsage: settings.estimateUsage } : {}) }),
});
