import Anthropic from '@anthropic-ai/sdk';
import { createErrorFromAnswer, createErrorFromFailure, type CallContext } from '../create-provider-error.js';
import { ProviderError } from '../errors.js';

/** Anthropic says "prompt is too long: N tokens > M maximum", or that input plus `max_tokens` exceed the window. */
const CONTEXT_MESSAGE = /prompt is too long|exceed(?:s)? (?:the )?context (?:limit|window)/i;

/**
 * The typed frugal error for anything `@anthropic-ai/sdk` throws. Error bodies are
 * `{ type: 'error', error: { type, message }, request_id }`; 529 `overloaded_error` is overload.
 */
export function convertAnthropicError(error: unknown, context: CallContext): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof Anthropic.APIUserAbortError) return createErrorFromFailure(context, { kind: 'aborted' }, error);
  if (error instanceof Anthropic.APIConnectionTimeoutError) return createErrorFromFailure(context, { kind: 'timeout' }, error);
  if (error instanceof Anthropic.APIConnectionError) return createErrorFromFailure(context, { kind: 'connection' }, error);
  if (error instanceof Anthropic.APIError && error.status !== undefined) {
    const message = error.apiMessage ?? error.message;
    const vendorCode = error.errorCode ?? error.type ?? undefined;
    return createErrorFromAnswer(context, {
      status: error.status,
      ...(error.headers ? { headers: error.headers } : {}),
      message,
      ...(vendorCode ? { vendorCode } : {}),
      ...(error.requestID ? { requestId: error.requestID } : {}),
      ...(error.status === 400 && CONTEXT_MESSAGE.test(message) ? { kind: 'context-too-long' as const } : {}),
      cause: error,
    });
  }
  return createErrorFromFailure(context, { kind: 'bad-response', message: error instanceof Error ? error.message : String(error) }, error);
}
