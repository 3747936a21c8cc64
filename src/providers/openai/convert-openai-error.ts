import OpenAI from 'openai';
import { createErrorFromAnswer, createErrorFromFailure, type CallContext } from '../create-provider-error.js';
import { ProviderError } from '../errors.js';

/** True for an OpenAI-style context-length error (OpenAI, Groq, vLLM). */
export function isOpenAIContextError(status: number, code: unknown, message: string): boolean {
  return (status === 400 || status === 413) && (code === 'context_length_exceeded' || /maximum context length|context_length_exceeded|context window/i.test(message));
}

/** The typed frugal error for anything the `openai` SDK throws. */
export function convertOpenAIError(error: unknown, context: CallContext): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof OpenAI.APIUserAbortError) return createErrorFromFailure(context, { kind: 'aborted' }, error);
  if (error instanceof OpenAI.APIConnectionTimeoutError) return createErrorFromFailure(context, { kind: 'timeout' }, error);
  if (error instanceof OpenAI.APIConnectionError) return createErrorFromFailure(context, { kind: 'connection' }, error);
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const body = error.error as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : error.message;
    const vendorCode = error.code ?? error.type ?? undefined;
    return createErrorFromAnswer(context, {
      status: error.status,
      ...(error.headers ? { headers: error.headers } : {}),
      message,
      ...(vendorCode ? { vendorCode } : {}),
      ...(error.requestID ? { requestId: error.requestID } : {}),
      ...(isOpenAIContextError(error.status, error.code, message) ? { kind: 'context-too-long' as const } : {}),
      cause: error,
    });
  }
  return createErrorFromFailure(context, { kind: 'bad-response', message: error instanceof Error ? error.message : String(error) }, error);
}
