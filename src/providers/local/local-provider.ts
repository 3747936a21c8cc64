import { OpenAIProvider } from '../openai/openai-provider.js';
import type { ProviderSettings } from '../provider-settings.js';

export interface LocalProviderSettings extends Omit<ProviderSettings, 'apiKey' | 'baseURL'> {
  /** The endpoint's OpenAI-compatible base URL, e.g. `http://127.0.0.1:11434/v1` (Ollama). */
  baseURL: string;
  /** Most self-hosted servers need no key. Default `local`. */
  apiKey?: string;
}

/**
 * The self-hosted provider (`local`): the OpenAI adapter pointed at an OpenAI-compatible endpoint
 * (Ollama, vLLM). It sends `max_tokens`, which every such server understands, and
 * best-effort (non-strict) JSON schemas.
 */
export function createLocalProvider(settings: LocalProviderSettings): OpenAIProvider {
  return new OpenAIProvider({
    ...settings,
    id: 'local',
    apiKey: settings.apiKey ?? 'local',
    maxTokensParam: 'max_tokens',
    strictSchemas: false,
  });
}
