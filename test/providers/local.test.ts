import { createLocalProvider } from '../../src/providers/local/local-provider.js';
import { useTestEnv } from '../support/env.js';
import { describeProviderContract } from './support/provider-contract.js';

useTestEnv();

// The self-hosted provider is the openai SDK pointed at an OpenAI-compatible endpoint; the
// simulator's OpenAI route stands in for Ollama/vLLM.
describeProviderContract({
  sdk: 'the openai SDK as an OpenAI-compatible self-hosted client',
  providerId: 'local',
  protocol: 'openai',
  model: 'llama3.1:8b',
  contextCounts: true,
  create: (simUrl, settings) =>
    createLocalProvider({ baseURL: `${simUrl}/v1`, ...(settings.apiKey ? { apiKey: settings.apiKey } : {}), ...(settings.estimateUsage ? { estimateUsage: settings.estimateUsage } : {}) }),
});
