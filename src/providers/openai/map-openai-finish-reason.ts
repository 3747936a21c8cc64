import type { FinishReason } from '../types.js';

/** frugal's finish reason for an OpenAI-style `finish_reason` (OpenAI, Groq, OpenAI-compatible servers). */
export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    default:
      return 'other';
  }
}
