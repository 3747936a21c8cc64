const SENTENCE_END = /(?<=[.!?]["'”’)\]]*)\s+(?=["'“‘(\[]?[\p{Lu}\p{N}])/u;

/**
 * The sentences of `text`, in order and whitespace-normalised, produced lazily so a caller that
 * needs the first few does not split a whole document. Paragraph breaks end a sentence; lines
 * ending in a colon (an instruction such as "Summarize this:") are left out.
 */
export function* iterateSentences(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    const gap = /\n[ \t\r]*\n/g;
    gap.lastIndex = start;
    const match = gap.exec(text);
    const end = match ? match.index : text.length;
    const flat = text.slice(start, end).replace(/\s+/g, ' ').trim();
    if (flat !== '') {
      for (const sentence of flat.split(SENTENCE_END)) {
        const trimmed = sentence.trim();
        if (trimmed !== '' && !trimmed.endsWith(':')) yield trimmed;
      }
    }
    if (!match) return;
    start = match.index + match[0].length;
  }
}

/** All sentences of `text` (see {@link iterateSentences}). */
export function splitSentences(text: string): string[] {
  return [...iterateSentences(text)];
}
