import type { FinishReason } from '../types.js';

/**
 * frugal's finish reason for an Anthropic `stop_reason`. `tool_use` is a normal stop when the
 * tool call is frugal's forced structured-output call (`structured`).
 */
export function mapAnthropicFinishReason(reason: string | null | undefined, structured: boolean): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return structured ? 'stop' : 'tool-calls';
    // The safety classifier declined: https://platform.claude.com/docs/en/test-and-evaluate/strengthen-guardrails/handle-streaming-refusals
    case 'refusal':
      return 'refusal';
    default:
      return 'other';
  }
}
