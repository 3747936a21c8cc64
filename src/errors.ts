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
