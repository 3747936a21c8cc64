import { FrugalError } from '../errors.js';
import type { ProviderId } from '../pricing/types.js';

export type ProviderErrorCode =
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_OVERLOADED'
  | 'PROVIDER_SERVER_ERROR'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_CONTEXT_TOO_LONG'
  | 'PROVIDER_AUTHENTICATION'
  | 'PROVIDER_BAD_REQUEST'
  | 'PROVIDER_UNREACHABLE'
  | 'PROVIDER_ABORTED'
  | 'PROVIDER_BAD_RESPONSE';

/** Where a failed call happened: the provider, the model asked for, and what the provider answered. */
export interface ProviderErrorDetails {
  provider: ProviderId;
  /** The provider's model id the call asked for. */
  model: string;
  /** HTTP status of the provider's answer; undefined when there was no answer. */
  status?: number;
  /** The provider's own error code or type (`context_length_exceeded`, `overloaded_error`, …). */
  vendorCode?: string;
  /** The provider's request id, for support tickets. */
  requestId?: string;
  cause?: unknown;
}

/**
 * A provider call that failed. Every subclass says what the caller can do about it:
 * - `retryable`: the same request may succeed later (possibly on another model).
 * - `certainlyNotBilled`: the provider certainly did not run (and bill) the request — it was
 *   refused before sending, or answered with an error status — so the budget layer *releases*
 *   the reservation. When false (a timeout after sending, a dropped connection, an abort) we
 *   cannot know, and the reservation is *closed as spent*.
 */
export abstract class ProviderError extends FrugalError {
  abstract readonly retryable: boolean;
  readonly provider: ProviderId;
  readonly model: string;
  readonly status: number | undefined;
  readonly vendorCode: string | undefined;
  readonly requestId: string | undefined;
  readonly certainlyNotBilled: boolean;

  constructor(code: ProviderErrorCode, message: string, details: ProviderErrorDetails, certainlyNotBilled: boolean, hint?: string) {
    super(code, message, { cause: details.cause, ...(hint === undefined ? {} : { hint }) });
    this.provider = details.provider;
    this.model = details.model;
    this.status = details.status;
    this.vendorCode = details.vendorCode;
    this.requestId = details.requestId;
    this.certainlyNotBilled = certainlyNotBilled;
  }
}

/** 429: the provider's request or token limit is spent. Slow this provider down for every worker. */
export class RateLimitedError extends ProviderError {
  readonly retryable = true;
  /** How long the provider asked us to wait, from its headers (or body); undefined when it did not say. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ProviderErrorDetails, retryAfterMs: number | undefined) {
    super('PROVIDER_RATE_LIMITED', message, details, true, 'wait for the retry-after time, or lower the request rate for this provider');
    this.retryAfterMs = retryAfterMs;
  }
}

/** 503 / Anthropic 529: the provider is overloaded. Retry with backoff, then cool the model down. */
export class ProviderOverloadedError extends ProviderError {
  readonly retryable = true;
  constructor(message: string, details: ProviderErrorDetails) {
    super('PROVIDER_OVERLOADED', message, details, true, 'retry with backoff or use another model');
  }
}

/** 500 and other 5xx answers. Retry with backoff. */
export class ProviderServerError extends ProviderError {
  readonly retryable = true;
  constructor(message: string, details: ProviderErrorDetails) {
    super('PROVIDER_SERVER_ERROR', message, details, true, 'retry with backoff or use another model');
  }
}

/**
 * No answer within the call's time limit (or the provider answered 408/504). A timeout after the
 * request was sent may still have been billed.
 */
export class ProviderTimeoutError extends ProviderError {
  readonly retryable = true;
  readonly timeoutMs: number | undefined;
  constructor(message: string, details: ProviderErrorDetails, options: { timeoutMs?: number; certainlyNotBilled?: boolean } = {}) {
    super('PROVIDER_TIMEOUT', message, details, options.certainlyNotBilled ?? false, 'retry, possibly with a longer timeout or another model');
    this.timeoutMs = options.timeoutMs;
  }
}

/** The prompt does not fit the model's context window. Route to a model with a larger window. */
export class ContextTooLongError extends ProviderError {
  readonly retryable = false;
  /** Input tokens the provider counted, when it said. */
  readonly inputTokens: number | undefined;
  /** The window (or input limit) the provider enforced, when it said. */
  readonly maxInputTokens: number | undefined;
  constructor(message: string, details: ProviderErrorDetails, counts: { inputTokens?: number; maxInputTokens?: number } = {}) {
    super('PROVIDER_CONTEXT_TOO_LONG', message, details, true, 'route the job to a model with a larger context window, or split the input');
    this.inputTokens = counts.inputTokens;
    this.maxInputTokens = counts.maxInputTokens;
  }
}

/** 401/403 (or a rejected key): the key is wrong or lacks access. Disable the provider; retrying cannot help. */
export class AuthenticationError extends ProviderError {
  readonly retryable = false;
  constructor(message: string, details: ProviderErrorDetails) {
    super('PROVIDER_AUTHENTICATION', message, details, true, `check the ${details.provider} API key; the provider stays disabled until it is fixed`);
  }
}

/** Any other 4xx: the request itself is wrong (bad parameter, unknown model). Retrying the same request cannot help. */
export class BadRequestError extends ProviderError {
  readonly retryable = false;
  constructor(message: string, details: ProviderErrorDetails) {
    super('PROVIDER_BAD_REQUEST', message, details, true, 'fix the request (model id, parameters, schema) before trying again');
  }
}

/** The provider could not be reached at all (connection refused, DNS failure): nothing was sent. */
export class ProviderUnreachableError extends ProviderError {
  readonly retryable = true;
  constructor(message: string, details: ProviderErrorDetails, certainlyNotBilled: boolean) {
    super('PROVIDER_UNREACHABLE', message, details, certainlyNotBilled, 'check the network and the provider base URL');
  }
}

/** The caller aborted the call (its `signal`). The provider may have run it already. */
export class ProviderAbortedError extends ProviderError {
  readonly retryable = false;
  constructor(message: string, details: ProviderErrorDetails) {
    super('PROVIDER_ABORTED', message, details, false);
  }
}

/** The provider answered 2xx with something the SDK could not read. It ran the request, so it may have billed it. */
export class ProviderResponseError extends ProviderError {
  readonly retryable = true;
  constructor(message: string, details: ProviderErrorDetails) {
    super('PROVIDER_BAD_RESPONSE', message, details, false, 'retry, or use another model');
  }
}
