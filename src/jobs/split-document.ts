import { countTokens, decodeTokens, encodeTokens, type Encoding } from '../pricing/tokenizer.js';

/**
 * Splits `text` into chunks of at most `maxTokens` tokens, breaking at paragraph breaks where it
 * can, at sentence ends where a paragraph is too long, and at token boundaries only inside a
 * sentence longer than a whole chunk. Pieces are packed greedily, so chunks are as full as the
 * breaks allow; nothing of the text is lost but the whitespace at the breaks.
 */
export function splitDocument(text: string, maxTokens: number, encoding: Encoding): string[] {
  if (maxTokens < 1) throw new RangeError(`maxTokens must be at least 1 (got ${maxTokens})`);
  const pieces: Array<{ text: string; tokens: number; separator: string }> = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const trimmed = paragraph.trim();
    if (!trimmed) continue;
    const tokens = countTokens(trimmed, encoding);
    if (tokens <= maxTokens) {
      pieces.push({ text: trimmed, tokens, separator: '\n\n' });
      continue;
    }
    let first = true;
    for (const sentence of splitSentences(trimmed)) {
      const sentenceTokens = countTokens(sentence, encoding);
      const separator = first ? '\n\n' : ' ';
      first = false;
      if (sentenceTokens <= maxTokens) {
        pieces.push({ text: sentence, tokens: sentenceTokens, separator });
        continue;
      }
      for (const slice of splitOnTokens(sentence, maxTokens, encoding)) pieces.push({ ...slice, separator: ' ' });
    }
  }

  const chunks: string[] = [];
  let current = '';
  let currentTokens = 0;
  for (const piece of pieces) {
    // Joining adds at most one token for the separator; count it to stay under the cap.
    const joinedTokens = currentTokens === 0 ? piece.tokens : currentTokens + piece.tokens + 1;
    if (currentTokens > 0 && joinedTokens > maxTokens) {
      chunks.push(current);
      current = piece.text;
      currentTokens = piece.tokens;
    } else {
      current = currentTokens === 0 ? piece.text : current + piece.separator + piece.text;
      currentTokens = joinedTokens;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Sentences end at `.`, `!` or `?` (with closing quotes or brackets) followed by whitespace. */
function splitSentences(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?]["')\]]*)\s+/).filter((s) => s.length > 0);
}

function splitOnTokens(sentence: string, maxTokens: number, encoding: Encoding): Array<{ text: string; tokens: number }> {
  const tokens = encodeTokens(sentence, encoding);
  const slices: Array<{ text: string; tokens: number }> = [];
  for (let start = 0; start < tokens.length; start += maxTokens) {
    const slice = tokens.slice(start, start + maxTokens);
    const piece = decodeTokens(slice, encoding).trim();
    // Re-count: a slice that cut a multi-byte character decodes to a replacement character.
    if (piece) slices.push({ text: piece, tokens: Math.min(countTokens(piece, encoding), maxTokens) });
  }
  return slices;
}
