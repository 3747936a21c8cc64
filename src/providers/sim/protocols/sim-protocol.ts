import type { IncomingHttpHeaders } from 'node:http';
import type { SimProvider } from '../sim-config.js';
import type { SimRequest } from '../sim-request.js';

/** Token counts of one answer, in frugal's terms (input includes cached input). */
export interface SimUsage {
  inputTokens: number;
  cachedInputTokens: number;
  /** Part of the input written to the prompt cache by this request (reported by Anthropic only). */
  cacheWriteTokens: number;
  /** All output tokens, thinking included. */
  outputTokens: number;
  /** The part of `outputTokens` spent thinking. */
  thinkingTokens: number;
}

/** One rate limit's state, for the vendor's rate-limit headers. */
export interface SimLimitState {
  limit: number;
  remaining: number;
  /** Until the window resets. */
  resetMs: number;
  /** What the refused request asked for (a 429's message). */
  requested?: number;
  used?: number;
}

export interface SimLimits {
  requests?: SimLimitState;
  tokens?: SimLimitState;
}

/** The engine's answer, before a protocol shapes it. */
export interface SimReply {
  /** Answer text: prose, or the JSON text of a structured answer (possibly malformed or cut). */
  text: string;
  /** The object of a well-formed structured answer (Anthropic sends it as the tool input). */
  object?: unknown;
  /** `refusal`: the safety classifier ended the answer; `text` is what came before. */
  finish: 'stop' | 'length' | 'refusal';
  /** Undefined when the answer is to go out without its usage block. */
  usage: SimUsage | undefined;
  limits: SimLimits;
}

export type SimError =
  | { kind: 'rate-limited'; limit: 'requests' | 'tokens'; retryAfterMs: number; limits: SimLimits; model: string; windowMs: number }
  | { kind: 'server' }
  | { kind: 'unavailable' }
  | { kind: 'overloaded' }
  | { kind: 'context'; inputTokens: number; contextWindow: number; model: string }
  | { kind: 'auth'; presentedKey: string | undefined }
  | { kind: 'bad-request'; message: string }
  | { kind: 'not-found'; message: string };

/** An HTTP answer ready to send. */
export interface SimAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One vendor's wire protocol: how its requests read and its answers and errors look. */
export interface SimProtocol {
  readonly provider: SimProvider;
  /** The API key the request presents, where this vendor's SDK puts it. */
  readKey(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined;
  /** The request in the engine's terms; throws SimRequestError for a body the vendor would reject. */
  parseRequest(body: unknown, urlModel: string | undefined): SimRequest;
  formatReply(request: SimRequest, reply: SimReply): SimAnswer;
  formatError(error: SimError): SimAnswer;
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** `sk-abcdef1234` → `sk-a****1234`, the way vendors echo a rejected key. */
export function maskKey(key: string): string {
  if (key.length <= 8) return `${key.slice(0, 1)}****`;
  return `${key.slice(0, 4)}****${key.slice(-4)}`;
}

/** Text of a message `content` given as a string or as an array of `{ type: 'text', text }` parts. */
export function readTextContent(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
      text += (text === '' ? '' : '\n') + (part as { text: string }).text;
    }
  }
  return text;
}

/** The bearer token of an `Authorization` header. */
export function readBearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  return typeof value === 'string' && value.startsWith('Bearer ') ? value.slice(7) : undefined;
}
