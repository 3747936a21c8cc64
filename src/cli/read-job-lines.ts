import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { parseJobSpec, type JobSpec } from '../jobs/job-spec.js';
import { readStdin } from './read-documents.js';

export type JobLine = { source: string; spec: JobSpec } | { source: string; error: string };

/**
 * Reads a JSON Lines job file (one job per line; blank lines and lines starting with `#` are
 * skipped). Each bad line comes back with its line number and the reason; the good ones are
 * still returned.
 */
export async function readJobLines(path: string): Promise<JobLine[]> {
  let text: string;
  try {
    if (path !== '-' && !(await stat(path)).isFile()) {
      // A named pipe nobody writes to would be waited on forever.
      throw new InputError(`job file ${path} is not a regular file`, `to read a stream, pipe it to standard input: cat ${path} | frugal enqueue --file -`);
    }
    text = path === '-' ? (await readStdin()).toString('utf8') : await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read job file ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, 'give the path of a JSON Lines file');
  }
  const lines: JobLine[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const source = `${path}:${i + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      lines.push({ source, error: `invalid JSON: ${(error as Error).message}` });
      return;
    }
    try {
      lines.push({ source, spec: parseJobSpec(value) });
    } catch (error) {
      lines.push({ source, error: (error as Error).message });
    }
  });
  return lines;
}

