import type { Catalog } from './catalog.js';
import { countRequestTokens } from './count-request-tokens.js';
import { scaleTokens } from './tokenizer-for.js';
import { countTokens } from './tokenizer.js';
import type { Usage } from './types.js';

/** The parts of a provider request that count as input. */
export interface UsageRequest {
  /** The provider's model id. */
  model: string;
  system?: string;
  messages: ReadonlyArray<{ role: string; content: string }>;
  output?: { schema: Record<string, unknown> };
}

/**
 * Usage for an answer whose provider reported none (or nonsense): counted with the model's
 * catalog tokenizer at its safe ratio, so a missing count is never charged below what the call
 * could have used. Unknown models count with cl100k_base at twice the tokens.
 */
export function estimateUsageFor(catalog: Catalog): (request: UsageRequest, responseText: string) => Usage {
  return (request, responseText) => {
    const model = catalog.list().find((m) => m.providerModelId === request.model);
    const encoding = model?.tokenizer.encoding ?? 'cl100k_base';
    const ratio = model?.tokenizer.safeRatio ?? 2;
    const raw = countRequestTokens(
      { kind: 'summarize', ...(request.system ? { system: request.system } : {}), messages: request.messages, ...(request.output ? { schema: request.output.schema } : {}) },
      encoding,
    );
    return { inputTokens: scaleTokens(raw, ratio), cachedInputTokens: 0, outputTokens: scaleTokens(countTokens(responseText, encoding), ratio) };
  };
}
