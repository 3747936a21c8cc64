import type { WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';

const REASONS: Record<string, (path: string) => string> = {
  ENOENT: (path) => `folder ${dirname(path)} does not exist`,
  ENOTDIR: (path) => `${dirname(path)} is not a folder`,
  EACCES: () => 'permission denied',
  EPERM: () => 'permission denied',
  EISDIR: () => 'it is a folder',
  EROFS: () => 'the file system is read-only',
  ENOSPC: () => 'the disk is full',
};

/**
 * Opens `path` for writing before anything is written, so an unusable `--out` ends the command
 * with one line naming the flag, the path and why, instead of a stream error later.
 * `shownAs` is the path as the user gave it.
 */
export async function openOutputFile(path: string, flag: string, shownAs: string = path): Promise<WriteStream> {
  try {
    const handle = await open(path, 'w');
    return handle.createWriteStream({ encoding: 'utf8' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const reason = REASONS[code]?.(path) ?? (error as Error).message;
    throw new InputError(`cannot write ${flag} ${shownAs}: ${reason}`, `give a path in an existing folder you can write to`);
  }
}
