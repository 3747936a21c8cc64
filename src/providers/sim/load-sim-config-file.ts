import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { parseSimConfigPatch, type SimConfigPatch } from './sim-config.js';

/** The simulator configuration in a JSON file; an InputError names the file and the bad field. */
export async function loadSimConfigFile(path: string): Promise<SimConfigPatch> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read simulator config ${path}${code ? ` (${code})` : ''}`, 'pass the path of a JSON file with --config');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`simulator config ${path} is not valid JSON: ${(error as Error).message}`, 'fix the JSON (see README, "Provider simulator")');
  }
  try {
    return parseSimConfigPatch(json);
  } catch (error) {
    throw new InputError(`simulator config ${path}: ${(error as Error).message}`, 'see README, "Provider simulator", for the file format');
  }
}
