import type { ProviderId } from '../pricing/types.js';
import {
  AuthenticationError,
  BadRequestError,
  ContextTooLongError,
  ProviderAbortedError,
  ProviderOverloadedError,
  ProviderResponseError,
  ProviderServerError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  RateLimitedError,
  type ProviderError,
  type ProviderErrorDetails,
} from './errors.js';
import { parseRetryAfterMs, type HeadersLike } from './parse-retry-after.js';
import { redactSecrets } from './redact-secrets.js';

/** What every converter knows about the call that failed. */
export interface CallContext {
  provider: ProviderId;
  model: string;
  /** The call's time limit, for timeout messages. */
  timeoutMs?: number;
  /** Values that must never appear in a message (the API key). */
  secrets: readonly (string | undefined)[];
}

/** A provider's error answer (an HTTP status with a body), in the terms every SDK exposes. */
export interface ErrorAnswer {
  status: number;
  headers?: HeadersLike;
  /** The provider's own message. */
  message: string;
  vendorCode?: string;
  requestId?: string;
  /**
   * What the vendor-specific converter recognised beyond the status: a context-length error
   * (a 400 everywhere), or a rejected key that the vendor answers with a 400 (Gemini).
   */
  kind?: 'context-too-long' | 'authentication';
  /** A wait the body asked for (Gemini's RetryInfo); headers win when both say. */
  retryAfterMs?: number;
  cause: unknown;
}

const COUNTS = [
  // OpenAI / Groq / vLLM: "maximum context length is 128000 tokens. However, your messages resulted in 130500 tokens"
  { re: /maximum context length is (\d+) tokens?.*?(?:resulted in|requested) (\d+) tokens/is, input: 2, max: 1 },
  // Anthropic: "prompt is too long: 208310 tokens > 200000 maximum"
  { re: /prompt is too long: (\d+) tokens? > (\d+) maximum/i, input: 1, max: 2 },
  // Gemini: "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."
  { re: /input token count \((\d+)\) exceeds the maximum number of tokens allowed \((\d+)\)/i, input: 1, max: 2 },
];

/** Input tokens and the limit, as the provider's context-length message states them. */
export function parseContextCounts(message: string): { inputTokens?: number; maxInputTokens?: number } {
  for (const { re, input, max } of COUNTS) {
    const match = re.exec(message);
    if (match) return { inputTokens: Number(match[input]), maxInputTokens: Number(match[max]) };
  }
  return {};
}

function describeFailure(context: CallContext, what: string, answer: { status?: number; vendorCode?: string; message?: string }): string {
  const code = [answer.status, answer.vendorCode].filter((part) => part !== undefined && part !== '').join(' ');
  const detail = answer.message ? `: ${redactSecrets(answer.message, context.secrets)}` : '';
  return `${context.provider} ${context.model} ${what}${code ? ` (${code})` : ''}${detail}`;
}

/** The typed error for a provider's HTTP error answer. Every error answer means nothing was billed. */
export function createErrorFromAnswer(context: CallContext, answer: ErrorAnswer): ProviderError {
  const details: ProviderErrorDetails = {
    provider: context.provider,
    model: context.model,
    status: answer.status,
    cause: answer.cause,
    ...(answer.vendorCode === undefined ? {} : { vendorCode: answer.vendorCode }),
    ...(answer.requestId === undefined ? {} : { requestId: answer.requestId }),
  };
  const { status } = answer;
  if (answer.kind === 'context-too-long') {
    return new ContextTooLongError(describeFailure(context, 'context too long', answer), details, parseContextCounts(answer.message));
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(answer.headers) ?? answer.retryAfterMs;
    return new RateLimitedError(describeFailure(context, 'rate limited', answer), details, retryAfterMs);
  }
  if (answer.kind === 'authentication' || status === 401 || status === 403) {
    // Vendors echo part of the rejected key in their message ("Incorrect API key provided: sk-ab***cd"):
    // keep it out of the message and drop the SDK error that carries it.
    return new AuthenticationError(describeFailure(context, 'rejected the API key', { status, vendorCode: answer.vendorCode }), { ...details, cause: undefined });
  }
  if (status === 408 || status === 504) {
    return new ProviderTimeoutError(describeFailure(context, 'timed out on the provider side', answer), details, { certainlyNotBilled: true });
  }
  if (status === 503 || status === 529) return new ProviderOverloadedError(describeFailure(context, 'overloaded', answer), details);
  if (status >= 500) return new ProviderServerError(describeFailure(context, 'server error', answer), details);
  return new BadRequestError(describeFailure(context, 'rejected the request', answer), details);
}

/** Error codes of failures that happen before a request leaves this machine. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

/** The first `code` found along an error's `cause` chain (`ECONNREFUSED`, `ECONNRESET`, …). */
export function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = findErrorCode(errors[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A failure without an answer: the call timed out, was aborted, or the connection failed. */
export type Failure = { kind: 'timeout' } | { kind: 'aborted' } | { kind: 'connection' } | { kind: 'bad-response'; message: string };

export function createErrorFromFailure(context: CallContext, failure: Failure, cause: unknown): ProviderError {
  const details: ProviderErrorDetails = { provider: context.provider, model: context.model, cause };
  switch (failure.kind) {
    case 'timeout': {
      const after = context.timeoutMs === undefined ? '' : ` after ${context.timeoutMs} ms`;
      return new ProviderTimeoutError(`${context.provider} ${context.model} did not answer${after}`, details, context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs });
    }
    case 'aborted':
      return new ProviderAbortedError(`${context.provider} ${context.model} call was aborted by the caller`, details);
    case 'bad-response':
      return new ProviderResponseError(describeFailure(context, 'sent an unreadable answer', { message: failure.message }), details);
    case 'connection': {
      const code = findErrorCode(cause);
      const notSent = code !== undefined && NOT_SENT_CODES.has(code);
      const what = notSent ? 'could not be reached' : 'connection failed';
      const message = `${context.provider} ${context.model} ${what}${code ? ` (${code})` : ''}`;
      return new ProviderUnreachableError(message, details, notSent);
    }
  }
}
