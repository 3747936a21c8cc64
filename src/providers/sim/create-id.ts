const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random-looking id of `length` letters and digits, like the vendors' (`chatcmpl-…`,
 * `msg_01…`). Not cryptographic: ids only need to differ, and this is on every answer's path.
 */
export function createId(length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return id;
}
