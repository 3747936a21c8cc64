import type { ChatRequest } from '../types.js';

/**
 * The chat messages of a request in the OpenAI wire format (system prompt first), which Groq
 * and OpenAI-compatible self-hosted servers share.
 */
export function convertToOpenAIMessages(request: ChatRequest): Array<{ role: 'system' | 'user' | 'assistant'; content: string }> {
  const messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const message of request.messages) messages.push({ role: message.role, content: message.content });
  return messages;
}
