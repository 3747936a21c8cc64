export interface PostSlackMessageOptions {
  /** Abort the request after this long. Default 10,000 ms. */
  timeoutMs?: number;
}

/**
 * POSTs `{"text": …}` (Slack-compatible incoming-webhook JSON). Throws on a network error or a
 * non-2xx answer, with a message that never contains the webhook URL (it is a secret).
 */
export async function postSlackMessage(webhookUrl: string, text: string, options: PostSlackMessageOptions = {}): Promise<void> {
  let response: Response;
  try {
    response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
    throw new Error(redact(`webhook request failed: ${reason}`, webhookUrl));
  }
  if (!response.ok) {
    const body = (await response.text().catch(() => '')).slice(0, 200).trim();
    throw new Error(redact(`webhook answered HTTP ${response.status}${body ? `: ${body}` : ''}`, webhookUrl));
  }
  await response.body?.cancel().catch(() => {});
}

function redact(message: string, webhookUrl: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(webhookUrl);
  } catch {
    parsed = undefined;
  }
  let out = message.split(webhookUrl).join('[webhook]');
  if (parsed && parsed.pathname.length > 1) out = out.split(parsed.pathname).join('[webhook]');
  return out;
}
