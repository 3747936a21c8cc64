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

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2));
}

/** The process-wide logger; writes JSON lines to stderr so stdout stays for command output. */
export const log: Logger = createLogger();
