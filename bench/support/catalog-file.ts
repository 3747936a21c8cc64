import { writeTempFile } from './temp-file.js';

/** Writes a FRUGAL_CATALOG override file (`{ models: { id: { …fields } } }`) and returns its path (removed at exit). */
export function writeCatalogFile(models: Record<string, Record<string, unknown>>): string {
  return writeTempFile('frugal-bench-catalog', JSON.stringify({ models }, null, 2));
}
