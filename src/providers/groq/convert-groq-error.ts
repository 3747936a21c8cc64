import Groq from 'groq-sdk';
import { createErrorFromAnswer, createErrorFromFailure, type CallContext } from '../create-provider-error.js';
import { ProviderError } from '../errors.js';
import { isOpenAIContextError } from '../openai/convert-openai-error.js';

/** The typed frugal error for anything `groq-sdk` throws. Groq's error body is OpenAI's: `{ error: { message, type, code } }`. */
export function convertGroqError(error: unknown, context: CallContext): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof Groq.APIUserAbortError) return createErrorFromFailure(context, { kind: 'aborted' }, error);
  if (error instanceof Groq.APIConnectionTimeoutError) return createErrorFromFailure(context, { kind: 'timeout' }, error);
  if (error instanceof Groq.APIConnectionError) return createErrorFromFailure(context, { kind: 'connection' }, error);
  if (error instanceof Groq.APIError && error.status !== undefined) {
    const body = (error.error as { error?: { message?: unknown; code?: unknown; type?: unknown } } | undefined)?.error;
    const message = typeof body?.message === 'string' ? body.message : error.message;
    const code = typeof body?.code === 'string' ? body.code : typeof body?.type === 'string' ? body.type : undefined;
    const requestId = error.headers?.get('x-request-id') ?? undefined;
    return createErrorFromAnswer(context, {
      status: error.status,
      ...(error.headers ? { headers: error.headers } : {}),
      message,
      ...(code ? { vendorCode: code } : {}),
      ...(requestId ? { requestId } : {}),
      ...(isOpenAIContextError(error.status, body?.code, message) ? { kind: 'context-too-long' as const } : {}),
      cause: error,
    });
  }
  return createErrorFromFailure(context, { kind: 'bad-response', message: error instanceof Error ? error.message : String(error) }, error);
}
