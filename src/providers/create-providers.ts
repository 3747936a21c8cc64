import type { Config } from '../config.js';
import { log } from '../log.js';
import { PROVIDERS, type ProviderId } from '../pricing/types.js';
import { AnthropicProvider } from './anthropic/anthropic-provider.js';
import type { EstimateUsage } from './estimate-usage.js';
import { GoogleProvider } from './google/google-provider.js';
import { GroqProvider } from './groq/groq-provider.js';
import { createLocalProvider } from './local/local-provider.js';
import { OpenAIProvider } from './openai/openai-provider.js';
import type { Provider } from './types.js';

export interface ProvidersOptions {
  /** Estimates usage when an answer's usage is missing or malformed. Default: tiktoken cl100k_base counts. */
  estimateUsage?: EstimateUsage;
  /** Time limit of a call whose request sets none. Default 120 000 ms. */
  defaultTimeoutMs?: number;
  /** Where "provider unavailable" notices go. Default: the process logger. */
  logger?: { info(object: object, message: string): void };
}

/** The configured providers, looked up by id. */
export interface ProviderRegistry {
  /** The adapter for `id`, or undefined when that provider is not configured. */
  get(id: ProviderId): Provider | undefined;
  /** Ids of the configured providers, in the order of PROVIDERS. */
  available(): ProviderId[];
  /** Why `id` is unavailable (names the variable to set); undefined when it is available. */
  unavailableReason(id: ProviderId): string | undefined;
}

const KEY_VARIABLES = { groq: 'GROQ_API_KEY', openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', google: 'GEMINI_API_KEY' } as const;
type HostedId = keyof typeof KEY_VARIABLES;

/** Notices already logged in this process, so each unavailable provider is reported once. */
const announced = new Set<string>();

/**
 * Builds the provider adapters from configuration. With `simUrl` every hosted provider talks to
 * the simulator (with its configured key, or a dummy one); otherwise a hosted provider needs its
 * key. The self-hosted `local` provider exists only when `localUrl` is set.
 */
export function createProviders(
  config: Pick<Config, 'keys' | 'simUrl' | 'localUrl'>,
  options: ProvidersOptions = {},
): ProviderRegistry {
  const logger = options.logger ?? log;
  const common = {
    ...(options.estimateUsage ? { estimateUsage: options.estimateUsage } : {}),
    ...(options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.defaultTimeoutMs }),
  };
  const sim = config.simUrl?.replace(/\/+$/, '');
  const keys: Record<HostedId, string | undefined> = { groq: config.keys.groq, openai: config.keys.openai, anthropic: config.keys.anthropic, google: config.keys.gemini };

  const providers = new Map<ProviderId, Provider>();
  const reasons = new Map<ProviderId, string>();
  for (const id of Object.keys(KEY_VARIABLES) as HostedId[]) {
    const key = keys[id];
    if (!key && !sim) {
      reasons.set(id, `${id} is unavailable: ${KEY_VARIABLES[id]} is not set (set it, or set FRUGAL_SIM_URL to use the simulator)`);
      continue;
    }
    const apiKey = key ?? `sim-${id}`;
    switch (id) {
      case 'openai':
        providers.set(id, new OpenAIProvider({ apiKey, ...common, ...(sim ? { baseURL: `${sim}/v1` } : {}) }));
        break;
      case 'groq':
        providers.set(id, new GroqProvider({ apiKey, ...common, ...(sim ? { baseURL: sim } : {}) }));
        break;
      case 'anthropic':
        providers.set(id, new AnthropicProvider({ apiKey, ...common, ...(sim ? { baseURL: sim } : {}) }));
        break;
      case 'google':
        providers.set(id, new GoogleProvider({ apiKey, ...common, ...(sim ? { baseURL: sim } : {}) }));
        break;
    }
  }
  if (config.localUrl) providers.set('local', createLocalProvider({ baseURL: config.localUrl, ...common }));
  else reasons.set('local', 'local is unavailable: FRUGAL_LOCAL_URL is not set (set it to an OpenAI-compatible endpoint such as http://127.0.0.1:11434/v1)');

  for (const [id, reason] of reasons) {
    // The self-hosted provider is opt-in; its absence is not news.
    if (id === 'local' || announced.has(reason)) continue;
    announced.add(reason);
    logger.info({ provider: id }, reason);
  }

  return {
    get: (id) => providers.get(id),
    available: () => PROVIDERS.filter((id) => providers.has(id)),
    unavailableReason: (id) => reasons.get(id),
  };
}
