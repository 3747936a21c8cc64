/** Shapes of provider API keys (OpenAI `sk-…`, Anthropic `sk-ant-…`, Groq `gsk_…`, Google `AIza…`), masked or not. */
const KEY_SHAPES = /\b(?:sk-|sk_|gsk_|AIza)[A-Za-z0-9_*.\-]{4,}/g;

/**
 * `text` with every given secret, and anything shaped like a provider API key, replaced by
 * `[redacted]`. Provider error messages sometimes echo part of the key ("Incorrect API key
 * provided: sk-ab***cd"); nothing frugal logs or throws may carry one.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join('[redacted]');
  }
  return result.replace(KEY_SHAPES, '[redacted]');
}
