const SENTENCE_END = /(?<=[.!?]["'”’)\]]*)\s+(?=["'“‘(\[]?[\p{Lu}\p{N}])/u;

/**
 * The sentences of `text`, in order, whitespace-normalised. Paragraph breaks end a sentence;
 * lines ending in a colon (an instruction such as "Summarize this:") are left out.
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const flat = paragraph.replace(/\s+/g, ' ').trim();
    if (flat === '') continue;
    for (const sentence of flat.split(SENTENCE_END)) {
      const trimmed = sentence.trim();
      if (trimmed !== '' && !trimmed.endsWith(':')) sentences.push(trimmed);
    }
  }
  return sentences;
}
