import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken';

/** The tiktoken encodings frugal counts with. */
export type Encoding = Extract<TiktokenEncoding, 'cl100k_base' | 'o200k_base'>;

const encoders = new Map<Encoding, Tiktoken>();

/**
 * Longest run of one character class (letters, symbols, whitespace) tiktoken is given in one
 * piece. tiktoken's byte-pair merge is quadratic in the length of one pre-token, and its regex
 * overflows the WASM stack on runs of some 10^5–10^6 characters (openai/tiktoken#15, #245):
 * measured here, 16,000 `x` take 1.3 s and 8,000 emoji 2.4 s in one piece, while 1 MB of `x`
 * counted in 128-character pieces takes about 1.2 s and never traps. Digits need no cut: both
 * encodings split them in groups of at most three.
 */
export const MAX_RUN_CHARS = 128;

/** Runs of one class at least MAX_RUN_CHARS long: the only text that is counted in pieces. */
const LONG_RUN = new RegExp(`[\\p{L}\\p{M}]{${MAX_RUN_CHARS},}|[^\\s\\p{L}\\p{M}\\p{N}]{${MAX_RUN_CHARS},}|\\s{${MAX_RUN_CHARS},}`, 'gu');

/**
 * Tokens added per cut so that a count in pieces is never below tiktoken's count of the whole
 * text. A cut inside a run changes the count by −1 to +3.3 tokens (measured on 300 random
 * run-heavy strings per encoding with cuts every 128 to 512 characters): adding one per cut keeps
 * the count an upper bound, at most ~4 tokens above per cut.
 */
export const TOKENS_PER_CUT = 1;

/** The tokenizer failed on a text even in pieces; the caller decides how to carry on. */
export class TokenizerError extends Error {
  readonly code = 'TOKENIZER_FAILED';
  constructor(encoding: Encoding, length: number, cause: unknown) {
    super(`tiktoken (${encoding}) failed on a text of ${length} characters: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TokenizerError';
  }
}

let fallbacks = 0;

/**
 * The encoder for `encoding`, loaded once per process. The WASM tiktoken leaks (and eventually
 * crashes the process) when encoders are created per call without `free()`, so nothing else in
 * frugal may call `get_encoding`.
 */
export function getEncoder(encoding: Encoding): Tiktoken {
  let encoder = encoders.get(encoding);
  if (!encoder) {
    encoder = get_encoding(encoding);
    encoders.set(encoding, encoder);
  }
  return encoder;
}

/**
 * Number of tokens in `text`. Special-token text such as `<|endoftext|>` counts as ordinary text.
 * Text with long runs of one character class is counted in pieces (see {@link MAX_RUN_CHARS}) and
 * the result is then an upper bound of the whole-text count. Never throws for any string: if
 * tiktoken fails even in pieces, the encoders are rebuilt and the UTF-8 byte length — every token
 * is at least one byte — is returned as the bound (see {@link tokenizerFallbacks}).
 */
export function countTokens(text: string, encoding: Encoding): number {
  if (text.length === 0) return 0;
  try {
    return countExactOrPieced(text, encoding);
  } catch {
    rebuildEncoders();
    fallbacks++;
    return Buffer.byteLength(text, 'utf8');
  }
}

/** How many times this process fell back to the byte-length bound because tiktoken failed. */
export function tokenizerFallbacks(): number {
  return fallbacks;
}

function countExactOrPieced(text: string, encoding: Encoding): number {
  const encoder = getEncoder(encoding);
  if (text.length < MAX_RUN_CHARS) return encoder.encode_ordinary(text).length;
  const pieces = splitLongRuns(text);
  if (pieces.length === 1) return encoder.encode_ordinary(text).length;
  let total = (pieces.length - 1) * TOKENS_PER_CUT;
  for (const piece of pieces) total += encoder.encode_ordinary(piece).length;
  return total;
}

/**
 * Token ids of `text`, for splitting documents on token boundaries. Long runs are encoded in
 * pieces; the ids still decode to exactly `text`.
 * @throws TokenizerError when tiktoken fails even in pieces (its encoders are rebuilt first).
 */
export function encodeTokens(text: string, encoding: Encoding): Uint32Array {
  try {
    const encoder = getEncoder(encoding);
    const pieces = text.length < MAX_RUN_CHARS ? [text] : splitLongRuns(text);
    if (pieces.length === 1) return encoder.encode_ordinary(text);
    const parts = pieces.map((piece) => encoder.encode_ordinary(piece));
    const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  } catch (error) {
    rebuildEncoders();
    throw new TokenizerError(encoding, text.length, error);
  }
}

/** Text of token ids produced by {@link encodeTokens}. */
export function decodeTokens(tokens: Uint32Array, encoding: Encoding): string {
  return new TextDecoder().decode(getEncoder(encoding).decode(tokens));
}

/** Frees every loaded encoder; call on shutdown. Encoders load again if used afterwards. */
export function freeEncoders(): void {
  for (const encoder of encoders.values()) encoder.free();
  encoders.clear();
}

/**
 * The text cut before, inside and after every run of one character class longer than
 * MAX_RUN_CHARS, inside runs every MAX_RUN_CHARS characters (never between the two halves of a
 * surrogate pair). Text without such a run comes back whole.
 */
export function splitLongRuns(text: string): string[] {
  const pieces: string[] = [];
  let last = 0;
  LONG_RUN.lastIndex = 0;
  for (let match = LONG_RUN.exec(text); match !== null; match = LONG_RUN.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (start > last) pieces.push(text.slice(last, start));
    for (let at = start; at < end; ) {
      let cut = Math.min(at + MAX_RUN_CHARS, end);
      if (cut < end && isLowSurrogate(text.charCodeAt(cut))) cut++;
      pieces.push(text.slice(at, cut));
      at = cut;
    }
    last = end;
  }
  if (pieces.length === 0) return [text];
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Drops the encoders after a failure: after some traps the WASM instance stays broken (tiktoken#245). */
function rebuildEncoders(): void {
  for (const encoder of encoders.values()) {
    try {
      encoder.free();
    } catch {
      // A broken instance may fail to free; it is dropped either way.
    }
  }
  encoders.clear();
}
