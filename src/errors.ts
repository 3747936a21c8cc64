/**
 * Base of every error frugal raises on purpose. `code` is stable and machine-readable; the
 * message names the problem and `hint` the fix, so the CLI can print one line and exit.
 */
export class FrugalError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** Exit code the CLI uses when this error ends a command. */
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

export class ConfigError extends FrugalError {
  constructor(message: string, hint?: string) {
    super('CONFIG_INVALID', message, hint === undefined ? {} : { hint });
  }
}

/** A service frugal needs (Postgres, Redis) could not be reached. */
export class ServiceUnavailableError extends FrugalError {
  constructor(service: 'postgres' | 'redis', message: string, hint: string, cause?: unknown) {
    super(service === 'postgres' ? 'POSTGRES_UNAVAILABLE' : 'REDIS_UNAVAILABLE', message, { hint, cause });
  }
}

/** The database exists but `frugal migrate` has not made (all of) frugal's tables in it. */
export class SchemaMissingError extends FrugalError {
  constructor(url: string, options: { partly?: boolean; cause?: unknown } = {}) {
    super(
      'SCHEMA_MISSING',
      options.partly ? `database ${redactUrl(url)} lacks part of the frugal schema (it predates this version)` : `database ${redactUrl(url)} has no frugal schema`,
      { hint: 'run `frugal migrate`', cause: options.cause },
    );
  }
}

/** Input a user gave (flag, file, line) is invalid; nothing was changed because of it. */
export class InputError extends FrugalError {
  constructor(message: string, hint?: string) {
    super('INPUT_INVALID', message, hint === undefined ? {} : { hint });
  }
}

/** Error message that never carries a secret: strips credentials from URLs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/** Postgres error codes of a query naming a table or column the schema does not have. */
const UNDEFINED_OBJECT = new Set(['42P01', '42703']);

/**
 * True when `error` (or an error it wraps, as drizzle's "Failed query" does) says a table or
 * column is missing: the database is older than this version of frugal.
 */
export function isMissingSchemaError(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (UNDEFINED_OBJECT.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}
