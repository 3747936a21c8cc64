import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken';

/** The tiktoken encodings frugal counts with. */
export type Encoding = Extract<TiktokenEncoding, 'cl100k_base' | 'o200k_base'>;

const encoders = new Map<Encoding, Tiktoken>();

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

/** Number of tokens in `text`. Special-token text such as `<|endoftext|>` counts as ordinary text. */
export function countTokens(text: string, encoding: Encoding): number {
  if (text.length === 0) return 0;
  return getEncoder(encoding).encode_ordinary(text).length;
}

/** Token ids of `text`, for splitting documents on token boundaries. */
export function encodeTokens(text: string, encoding: Encoding): Uint32Array {
  return getEncoder(encoding).encode_ordinary(text);
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
