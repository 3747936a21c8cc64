import { redactWebhookUrl } from './redact-webhook-url.js';

export interface PostSlackMessageOptions {
  /** Abort the request after this long. Default 10,000 ms. */
  timeoutMs?: number;
}

/**
 * POSTs `{"text": …}` (Slack-compatible incoming-webhook JSON). Throws on a network error or a
 * non-2xx answer, with a message that never contains the webhook URL (it is a secret).
 */
export async function postSlackMessage(webhookUrl: string, text: string, options: PostSlackMessageOptions = {}): Promise<void> {
  const { url, authorization } = splitCredentials(webhookUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
    throw new Error(`webhook request failed: ${redactWebhookUrl(reason, webhookUrl)}`);
  }
  if (!response.ok) {
    // The endpoint's answer may echo the request (path, query, headers): redact before keeping it.
    const body = redactWebhookUrl((await response.text().catch(() => '')).slice(0, 2_000), webhookUrl).slice(0, 200).trim();
    throw new Error(`webhook answered HTTP ${response.status}${body ? `: ${body}` : ''}`);
  }
  await response.body?.cancel().catch(() => {});
}

/**
 * fetch refuses URLs with user-info; a webhook behind basic auth (`https://user:pass@host/…`)
 * gets it as an Authorization header instead.
 */
function splitCredentials(webhookUrl: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(webhookUrl);
  } catch {
    return { url: webhookUrl };
  }
  if (!parsed.username && !parsed.password) return { url: webhookUrl };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}
