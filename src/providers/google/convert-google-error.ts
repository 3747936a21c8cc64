import { ApiError } from '@google/genai';
import { createErrorFromAnswer, createErrorFromFailure, type CallContext } from '../create-provider-error.js';
import { ProviderError } from '../errors.js';
import { parseGoogleRetryDelayMs } from '../parse-retry-after.js';

interface GoogleErrorBody {
  error?: { code?: unknown; message?: unknown; status?: unknown; details?: unknown };
}

function parseBody(message: string): GoogleErrorBody | undefined {
  try {
    return JSON.parse(message) as GoogleErrorBody;
  } catch {
    return undefined;
  }
}

function hasReason(details: unknown, reason: string): boolean {
  return Array.isArray(details) && details.some((detail) => (detail as { reason?: unknown } | null)?.reason === reason);
}

/**
 * The typed frugal error for anything `@google/genai` throws. Its `ApiError` carries only the
 * status and the JSON body as its message (no headers): Gemini states a 429's wait in the body
 * (`google.rpc.RetryInfo.retryDelay`) and answers a bad key with 400 `API_KEY_INVALID`.
 * Timeouts and aborts arrive as the fetch's `AbortError`; `callerSignal` tells them apart.
 */
export function convertGoogleError(error: unknown, context: CallContext, callerSignal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof ApiError) {
    const body = parseBody(error.message);
    const inner = body?.error;
    const message = typeof inner?.message === 'string' ? inner.message : error.message;
    const vendorCode = typeof inner?.status === 'string' ? inner.status : undefined;
    const authentication = hasReason(inner?.details, 'API_KEY_INVALID') || vendorCode === 'UNAUTHENTICATED' || vendorCode === 'PERMISSION_DENIED';
    const contextTooLong = error.status === 400 && /input token count.*exceeds the maximum|exceeds the maximum number of tokens/i.test(message);
    const retryAfterMs = parseGoogleRetryDelayMs(body);
    return createErrorFromAnswer(context, {
      status: error.status,
      message,
      ...(vendorCode ? { vendorCode } : {}),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(contextTooLong ? { kind: 'context-too-long' as const } : authentication ? { kind: 'authentication' as const } : {}),
      cause: error,
    });
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return createErrorFromFailure(context, { kind: callerSignal?.aborted ? 'aborted' : 'timeout' }, error);
  }
  if (error instanceof TypeError && error.message === 'fetch failed') return createErrorFromFailure(context, { kind: 'connection' }, error);
  return createErrorFromFailure(context, { kind: 'bad-response', message: error instanceof Error ? error.message : String(error) }, error);
}
