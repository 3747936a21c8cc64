import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LICENSES = '/usr/share/common-licenses';

/**
 * `count` distinct English documents of about `chars` characters (cut at word boundaries), from
 * the machine's licence texts when present, else from generated prose. Deterministic: the same
 * arguments give the same documents, numbered so no two are equal (job ids hash the payload).
 */
export function documents(count: number, chars: number, salt = ''): string[] {
  const text = baseText();
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + chars + 200 > text.length) at = (at % 997) + 13;
    let piece = text.slice(at, at + chars + 100);
    const start = piece.indexOf(' ') + 1;
    piece = piece.slice(start, start + chars);
    const end = piece.lastIndexOf(' ');
    const doc = `${piece.slice(0, end > chars / 2 ? end : piece.length).replace(/\s+/g, ' ').trim()} (document ${salt}${i})`;
    out.push(doc);
    at += chars;
  }
  return out;
}

let cached: string | undefined;

function baseText(): string {
  if (cached !== undefined) return cached;
  let text = '';
  try {
    for (const name of readdirSync(LICENSES).sort()) text += `${readFileSync(join(LICENSES, name), 'utf8')}\n\n`;
  } catch {
    text = '';
  }
  if (text.length < 100_000) text = generatedProse(400_000);
  cached = text;
  return text;
}

function generatedProse(chars: number): string {
  const words = (
    'the of and to in a is that for it as was with be by on not this are or from at which but have an they were ' +
    'invoice payment customer shipment quarterly revenue increased decreased support ticket refund delivery account manager ' +
    'report summary document contract clause agreement liability termination notice period schedule budget forecast'
  ).split(' ');
  let seed = 7;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  let text = '';
  while (text.length < chars) {
    const n = 6 + (next() % 16);
    const sentence = Array.from({ length: n }, () => words[next() % words.length]!).join(' ');
    text += `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}. `;
  }
  return text;
}
