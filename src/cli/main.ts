import { FrugalError } from '../errors.js';
import { buildProgram } from './program.js';

/** Errors end a command with one line on stderr; a stack trace only with FRUGAL_DEBUG=1. */
function reportError(error: unknown): number {
  if (error instanceof FrugalError) {
    process.stderr.write(`frugal: ${error.message}${error.hint ? ` — ${error.hint}` : ''}\n`);
    if (process.env.FRUGAL_DEBUG) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`frugal: ${message}\n`);
  if (process.env.FRUGAL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
