import { FrugalError, SchemaMissingError, isMissingSchemaError } from '../errors.js';
import { loadProgram } from './load-program.js';

/** Errors end a command with one line on stderr; a stack trace only with FRUGAL_DEBUG=1. */
function reportError(error: unknown): number {
  // A query on a table or column that is not there: the database predates this version.
  if (!(error instanceof FrugalError) && isMissingSchemaError(error)) {
    error = new SchemaMissingError(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/frugal', { partly: true, cause: error });
  }
  if (error instanceof FrugalError) {
    process.stderr.write(`frugal: ${error.message}${error.hint ? ` — ${error.hint}` : ''}\n`);
    if (process.env.FRUGAL_DEBUG) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  // Only the first line: some libraries put a whole query or a dump after it.
  process.stderr.write(`frugal: ${message.split('\n')[0]}\n`);
  if (process.env.FRUGAL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

// A reader that went away (`frugal models | head`) ends the command quietly, as `cat` does.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (isBrokenPipe(error)) process.exit(process.exitCode ?? 0);
    throw error;
  });
}
// Whatever escapes a command (a stream's error event, a forgotten promise) still ends in one line.
const fail = (error: unknown) => {
  if (isBrokenPipe(error)) process.exit(process.exitCode ?? 0);
  process.exitCode = reportError(error);
  process.exit();
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

try {
  await (await loadProgram(process.argv.slice(2))).parseAsync(process.argv);
} catch (error) {
  if (isBrokenPipe(error)) process.exit(process.exitCode ?? 0);
  process.exitCode = reportError(error);
}
