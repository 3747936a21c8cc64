/** Shortest path segment or query value taken for a secret (shorter ones are words like "hook"). */
const MIN_SECRET_LENGTH = 4;

/**
 * `text` with every part of the webhook URL that could be a secret replaced by `[webhook]`: the
 * whole URL, its user-info, its path and each path segment, its query and each query value, its
 * fragment — raw and percent-decoded, since an endpoint may echo either. The host stays: it
 * says where the alert went without granting anything.
 */
export function redactWebhookUrl(text: string, webhookUrl: string): string {
  const secrets = new Set<string>([webhookUrl]);
  let parsed: URL | undefined;
  try {
    parsed = new URL(webhookUrl);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    secrets.add(parsed.href);
    const parts = [parsed.username, parsed.password, parsed.pathname.length > 1 ? parsed.pathname : '', parsed.search.slice(1), parsed.hash.slice(1)];
    parts.push(...parsed.pathname.split('/'));
    for (const [key, value] of parsed.searchParams) parts.push(value, `${key}=${value}`);
    if (parsed.username || parsed.password) {
      // Sent as basic auth (postSlackMessage); an endpoint echoing its headers shows it encoded.
      parts.push(Buffer.from(`${safeDecode(parsed.username)}:${safeDecode(parsed.password)}`).toString('base64'));
    }
    for (const part of parts) {
      if (part.length < MIN_SECRET_LENGTH) continue;
      secrets.add(part);
      secrets.add(safeDecode(part));
      secrets.add(encodeURIComponent(part));
    }
  }
  // One pass, longest first: a whole URL goes before the pieces inside it, and a replacement is
  // never searched again (a path "/hook" would otherwise eat the "[webhook]" already written).
  const pattern = [...secrets]
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
    .map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  return pattern ? text.replace(new RegExp(pattern, 'g'), '[webhook]') : text;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
