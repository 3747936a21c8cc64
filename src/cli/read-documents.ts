import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type DocumentInput = { source: string; text: string } | { source: string; error: string };

/** Files larger than this are refused: summarizing 50 MB of text is rarely what was meant. */
const MAX_FILE_BYTES = 50 * 1024 * 1024;

/**
 * Reads documents from files, folders (recursively, skipping dot-files) and `-` (standard
 * input). Each unusable input (missing, unreadable, empty, binary, too large) comes back with its
 * path and the reason, and the others are still read.
 */
export async function readDocuments(paths: readonly string[]): Promise<DocumentInput[]> {
  const inputs: DocumentInput[] = [];
  for (const path of paths) {
    if (path === '-') {
      inputs.push(decode('-', await readStdin()));
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      inputs.push({ source: path, error: describeFsError(error) });
      continue;
    }
    if (info.isDirectory()) {
      const files = await listFiles(path).catch((error: unknown) => [{ error: describeFsError(error) }]);
      if (files.length === 0) inputs.push({ source: path, error: 'folder holds no files' });
      for (const file of files) {
        if (typeof file === 'string') inputs.push(await readDocument(file));
        else inputs.push({ source: path, error: file.error });
      }
    } else if (!info.isFile()) {
      // Reading a named pipe nobody writes to would wait forever.
      inputs.push({ source: path, error: `${describeSpecialFile(info)}, not a regular file (to read a stream, pipe it to standard input: cat ${path} | frugal enqueue summarize -)` });
    } else {
      inputs.push(await readDocument(path));
    }
  }
  return inputs;
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function readDocument(path: string): Promise<DocumentInput> {
  try {
    const info = await stat(path);
    if (info.size > MAX_FILE_BYTES) return { source: path, error: `file is ${Math.round(info.size / 1024 / 1024)} MB, over the ${MAX_FILE_BYTES / 1024 / 1024} MB limit` };
    return decode(path, await readFile(path));
  } catch (error) {
    return { source: path, error: describeFsError(error) };
  }
}

function decode(source: string, bytes: Buffer): DocumentInput {
  if (bytes.includes(0)) return { source, error: 'file is binary, not text' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { source, error: 'file is not UTF-8 text' };
  }
  if (bytes.length === 0) return { source, error: 'file is empty' };
  if (text.trim().length === 0) return { source, error: 'file is blank: it holds only whitespace' };
  return { source, text };
}

/** Everything on standard input. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function describeSpecialFile(info: Stats): string {
  if (info.isFIFO()) return 'is a named pipe';
  if (info.isSocket()) return 'is a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'is a device';
  return 'is not a file';
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error).message;
}
