import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a FRUGAL_CATALOG override file (`{ models: { id: { …fields } } }`) and returns its path. */
export function writeCatalogFile(models: Record<string, Record<string, unknown>>): string {
  const path = join(tmpdir(), `frugal-bench-catalog-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ models }, null, 2));
  return path;
}
