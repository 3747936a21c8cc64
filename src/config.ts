import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Configuration, read once from the environment at start-up. Every value is validated here so
 * that a bad setting fails at once with the variable's name, not deep inside a worker.
 */
export interface Config {
  /** Redis for BullMQ. Default `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** Postgres holding budgets, ledger and results. Default `postgres://postgres@127.0.0.1:5432/frugal`. */
  databaseUrl: string;
  /** Prefix of every BullMQ key, so several frugal installations can share one Redis. Default `frugal`. */
  queuePrefix: string;
  keys: {
    groq: string | undefined;
    openai: string | undefined;
    anthropic: string | undefined;
    gemini: string | undefined;
  };
  /** When set, every hosted provider talks to the simulator at this address. */
  simUrl: string | undefined;
  /** OpenAI-compatible self-hosted endpoint (Ollama, vLLM); the self-hosted provider exists only when set. */
  localUrl: string | undefined;
  /** Model name the self-hosted endpoint serves. Default `llama3.1:8b`. */
  localModel: string;
  /** Catalog override file (JSON or YAML). */
  catalogPath: string | undefined;
  /** Slack-compatible webhook that receives budget alerts. Secret: never logged. */
  alertWebhook: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === undefined || s === '' ? undefined : s));

function urlWithProtocols(protocols: string[], example: string) {
  return z.string().superRefine((value, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `is not a URL; use the form ${example}` });
      return;
    }
    if (!protocols.includes(parsed.protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: `has protocol "${parsed.protocol}" but must be ${protocols.join(' or ')}; use the form ${example}`,
      });
    }
  });
}

const optionalUrl = (protocols: string[], example: string) =>
  optionalString.pipe(urlWithProtocols(protocols, example).optional());

const envSchema = z.object({
  REDIS_URL: optionalString
    .transform((v) => v ?? 'redis://127.0.0.1:6379')
    .pipe(urlWithProtocols(['redis:', 'rediss:'], 'redis://127.0.0.1:6379')),
  DATABASE_URL: optionalString
    .transform((v) => v ?? 'postgres://postgres@127.0.0.1:5432/frugal')
    .pipe(urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/frugal'))
    .superRefine((value, ctx) => {
      const db = safeUrl(value)?.pathname.replace(/^\//, '');
      if (db === undefined || db === '') {
        ctx.addIssue({ code: 'custom', message: 'names no database; add one, e.g. postgres://postgres@127.0.0.1:5432/frugal' });
      }
    }),
  FRUGAL_PREFIX: optionalString
    .transform((v) => v ?? 'frugal')
    .pipe(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, "_", "." and "-"')),
  GROQ_API_KEY: optionalString,
  OPENAI_API_KEY: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  GEMINI_API_KEY: optionalString,
  FRUGAL_SIM_URL: optionalUrl(['http:', 'https:'], 'http://127.0.0.1:8787'),
  FRUGAL_LOCAL_URL: optionalUrl(['http:', 'https:'], 'http://127.0.0.1:11434/v1'),
  FRUGAL_LOCAL_MODEL: optionalString.transform((v) => v ?? 'llama3.1:8b'),
  FRUGAL_CATALOG: optionalString,
  FRUGAL_ALERT_WEBHOOK: optionalUrl(['http:', 'https:'], 'https://hooks.slack.com/services/…'),
  LOG_LEVEL: optionalString
    .transform((v) => v ?? 'info')
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
});

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Variables whose values are secrets: their values never appear in an error. */
const SECRET_VARIABLES = new Set(['GROQ_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'FRUGAL_ALERT_WEBHOOK', 'DATABASE_URL', 'REDIS_URL']);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const shown = SECRET_VARIABLES.has(variable) ? '' : ` (got ${JSON.stringify(env[variable])})`;
    throw new ConfigError(`${variable} ${issue.message}${shown}`, `fix or unset ${variable}`);
  }
  const e = parsed.data;
  return {
    redisUrl: e.REDIS_URL,
    databaseUrl: e.DATABASE_URL,
    queuePrefix: e.FRUGAL_PREFIX,
    keys: { groq: e.GROQ_API_KEY, openai: e.OPENAI_API_KEY, anthropic: e.ANTHROPIC_API_KEY, gemini: e.GEMINI_API_KEY },
    simUrl: e.FRUGAL_SIM_URL,
    localUrl: e.FRUGAL_LOCAL_URL,
    localModel: e.FRUGAL_LOCAL_MODEL,
    catalogPath: e.FRUGAL_CATALOG,
    alertWebhook: e.FRUGAL_ALERT_WEBHOOK,
    logLevel: e.LOG_LEVEL,
  };
}

let cached: Config | undefined;

/** The process's configuration, validated on first use. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}
