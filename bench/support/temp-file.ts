import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const written = new Set<string>();
process.once('exit', () => {
  for (const path of written) rmSync(path, { force: true });
});

/** Writes `text` to a new file in the temporary directory, removed when this process exits. */
export function writeTempFile(prefix: string, text: string): string {
  const path = join(tmpdir(), `${prefix}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, text);
  written.add(path);
  return path;
}
