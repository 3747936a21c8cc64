import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks in every log line: API keys, webhook URLs and database passwords must
 * never reach a log, whatever object a caller happens to pass.
 */
const REDACT = [
  'apiKey', '*.apiKey', 'keys', '*.keys', 'authorization', '*.authorization', 'headers.authorization',
  'webhook', '*.webhook', 'alertWebhook', '*.alertWebhook', 'databaseUrl', '*.databaseUrl', 'password', '*.password',
];

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * A logger at `level`. An unknown level falls back to `info` instead of throwing: the process-wide
 * logger is built at import, before configuration is validated, and it is the configuration
 * that reports a bad LOG_LEVEL with its fix. `destination` receives each JSON line; default stderr.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination: { write(line: string): unknown } = pino.destination(2)): Logger {
  if (!LEVELS.has(level)) level = 'info';
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

/** The process-wide logger; writes JSON lines to stderr so stdout stays for command output. */
export const log: Logger = createLogger();
