import type { JsonSchema } from '../../types.js';
import { createId } from '../create-id.js';
import { findSchemaInPrompt, SimRequestError, type SimRequest, type SimThinking } from '../sim-request.js';
import { JSON_HEADERS, readBearer, readTextContent, type SimAnswer, type SimError, type SimLimits, type SimProtocol, type SimReply } from './sim-protocol.js';

function limitHeaders(limits: SimLimits, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['requests', 'tokens'] as const) {
    const state = limits[name];
    if (!state) continue;
    headers[`anthropic-ratelimit-${name}-limit`] = String(state.limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(state.remaining);
    headers[`anthropic-ratelimit-${name}-reset`] = new Date(now + state.resetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return headers;
}

const id = (prefix: string): string => `${prefix}_01${createId(22)}`;

function errorAnswer(status: number, type: string, message: string, extraHeaders: Record<string, string> = {}): SimAnswer {
  const requestId = id('req');
  return {
    status,
    headers: { ...JSON_HEADERS, 'request-id': requestId, ...extraHeaders },
    body: JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId }),
  };
}

/**
 * Claude 5.x models (Haiku 5.5 among them) think by default (adaptive, effort medium) and are
 * strict about it; older models (claude-haiku-4-5) keep the lenient 4.x contract.
 */
export function isClaude5(model: string): boolean {
  return /^claude-[a-z]+-5(?:-|$)/.test(model);
}

const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
type SimEffort = (typeof EFFORTS)[number];

/**
 * How much a Claude 5.x model thinks at each effort: at the default `medium` 8× the answer and at
 * least 200 tokens; at `low` a quarter of that; more above.
 */
const THINKING_BY_EFFORT: Readonly<Record<SimEffort, SimThinking>> = {
  low: { multiplier: 2, floor: 50 },
  medium: { multiplier: 8, floor: 200 },
  high: { multiplier: 16, floor: 400 },
  xhigh: { multiplier: 24, floor: 600 },
  max: { multiplier: 32, floor: 800 },
};

/** The Claude 5.x contract: reasoning controls, sampling parameters, prefill and forced tools. */
function readClaude5Thinking(record: Record<string, unknown>, model: string): SimThinking | undefined {
  for (const name of ['temperature', 'top_p', 'top_k'] as const) {
    if (record[name] !== undefined && record[name] !== null) {
      throw new SimRequestError(`${name}: sampling parameters are not supported on ${model}; remove temperature, top_p and top_k`);
    }
  }
  const outputConfig = (record.output_config ?? {}) as { effort?: unknown };
  const effort = outputConfig.effort ?? 'medium';
  if (typeof effort !== 'string' || !(EFFORTS as readonly string[]).includes(effort)) {
    throw new SimRequestError(`output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'`);
  }
  const thinking = record.thinking as { type?: unknown } | undefined;
  const type = thinking?.type ?? 'adaptive';
  if (type === 'enabled') {
    throw new SimRequestError(`thinking.type: 'enabled' is not supported on ${model}; use thinking.type 'adaptive' with output_config.effort to control thinking`);
  }
  if (type !== 'adaptive' && type !== 'disabled') throw new SimRequestError(`thinking.type: Input should be 'adaptive' or 'disabled'`);
  if (type === 'disabled' && (effort === 'xhigh' || effort === 'max')) {
    throw new SimRequestError(`thinking.type: thinking cannot be disabled at effort '${effort}'; use effort low, medium or high, or adaptive thinking`);
  }
  const choice = (record.tool_choice as { type?: unknown } | undefined)?.type;
  if (type === 'adaptive' && (choice === 'any' || choice === 'tool')) {
    throw new SimRequestError('Thinking may not be enabled when tool_choice forces tool use.');
  }
  const messages = record.messages as { role?: unknown }[];
  if (messages[messages.length - 1]?.role === 'assistant') {
    throw new SimRequestError(`This model does not support assistant message prefill. The conversation must end with a user message.`);
  }
  return type === 'adaptive' ? THINKING_BY_EFFORT[effort as SimEffort] : undefined;
}

function parse(body: unknown): SimRequest {
  if (!body || typeof body !== 'object') throw new SimRequestError('There was an issue with the format of the request body: expected an object');
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model === '') throw new SimRequestError('model: Field required');
  if (typeof record.max_tokens !== 'number' || !Number.isInteger(record.max_tokens) || record.max_tokens < 0) throw new SimRequestError('max_tokens: Field required');
  if (!Array.isArray(record.messages) || record.messages.length === 0) throw new SimRequestError('messages: at least one message is required');
  const thinking = isClaude5(record.model) ? readClaude5Thinking(record, record.model) : undefined;
  const system = readTextContent(record.system);
  const messages: SimRequest['messages'] = [];
  for (const message of record.messages as { role?: unknown; content?: unknown }[]) {
    messages.push({ role: message?.role === 'assistant' ? 'assistant' : 'user', text: readTextContent(message?.content) });
  }

  let schema: JsonSchema | undefined;
  let toolName: string | undefined;
  const tools = Array.isArray(record.tools) ? (record.tools as { name?: unknown; input_schema?: unknown }[]) : [];
  const choice = record.tool_choice as { type?: unknown; name?: unknown } | undefined;
  const forced = choice?.type === 'tool' ? tools.find((tool) => tool?.name === choice.name) : choice?.type === 'any' ? tools[0] : undefined;
  if (choice?.type === 'tool' && !forced) throw new SimRequestError(`tool_choice: tool '${String(choice.name)}' was not found in tools`);
  if (forced) {
    if (!forced.input_schema || typeof forced.input_schema !== 'object') throw new SimRequestError('tools.0.custom.input_schema: Field required');
    schema = forced.input_schema as JsonSchema;
    toolName = String(forced.name);
  } else {
    const format = (record.output_config as { format?: { type?: unknown; schema?: unknown } } | undefined)?.format;
    if (format?.type === 'json_schema' && format.schema && typeof format.schema === 'object') schema = format.schema as JsonSchema;
  }
  const schemaFromPrompt = schema === undefined && (schema = findSchemaInPrompt(system)) !== undefined;
  return {
    model: record.model,
    system,
    messages,
    maxOutputTokens: record.max_tokens,
    ...(schema ? { schema } : {}),
    ...(toolName ? { toolName } : {}),
    ...(schemaFromPrompt ? { schemaFromPrompt } : {}),
    ...(thinking ? { thinking } : {}),
    stream: record.stream === true,
  };
}

/** Anthropic's Messages protocol (`POST /v1/messages`). */
export const anthropicProtocol: SimProtocol = {
  provider: 'anthropic',
  readKey: (headers) => {
    const key = headers['x-api-key'];
    return typeof key === 'string' ? key : readBearer(headers);
  },
  parseRequest: (body) => parse(body),

  formatReply(request: SimRequest, reply: SimReply): SimAnswer {
    const toolUse = request.toolName !== undefined && reply.object !== undefined;
    const refused = reply.finish === 'refusal';
    const usage = reply.usage;
    const answer = toolUse
      ? [{ type: 'tool_use', id: id('toolu'), name: request.toolName, input: reply.object, caller: { type: 'direct' } }]
      : reply.text === '' && (reply.finish === 'length' || reply.finish === 'refusal')
        ? []
        : [{ type: 'text', text: reply.text, citations: null }];
    // Thinking comes first; Claude 5.x returns it summarized, signed for multi-turn continuity.
    const content = request.thinking ? [{ type: 'thinking', thinking: 'Considering the request.', signature: id('sig') }, ...answer] : answer;
    const body: Record<string, unknown> = {
      id: id('msg'),
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: refused ? 'refusal' : reply.finish === 'length' ? 'max_tokens' : toolUse ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      // https://platform.claude.com/docs/en/test-and-evaluate/strengthen-guardrails/handle-streaming-refusals
      stop_details: refused ? { type: 'refusal', category: 'cyber', explanation: 'This request was declined because it could enable cyber harm.' } : null,
      container: null,
      diagnostics: null,
    };
    if (usage) {
      body.usage = {
        // Anthropic's input_tokens leaves out cache reads and writes.
        input_tokens: usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens,
        cache_creation_input_tokens: usage.cacheWriteTokens,
        cache_read_input_tokens: usage.cachedInputTokens,
        cache_creation: { ephemeral_5m_input_tokens: usage.cacheWriteTokens, ephemeral_1h_input_tokens: 0 },
        output_tokens: usage.outputTokens,
        output_tokens_details: request.thinking || isClaude5(request.model) ? { thinking_tokens: usage.thinkingTokens } : null,
        server_tool_use: null,
        service_tier: 'standard',
        inference_geo: 'global',
        speed: 'standard',
      };
    }
    return { status: 200, headers: { ...JSON_HEADERS, 'request-id': id('req'), ...limitHeaders(reply.limits, Date.now()) }, body: JSON.stringify(body) };
  },

  formatError(error: SimError): SimAnswer {
    switch (error.kind) {
      case 'rate-limited': {
        const state = error.limits[error.limit]!;
        const unit = error.limit === 'requests' ? 'requests' : 'tokens';
        const per = error.windowMs === 60_000 ? 'minute' : `${error.windowMs / 1000} seconds`;
        return errorAnswer(
          429,
          'rate_limit_error',
          `This request would exceed the rate limit for your organization (simulator) of ${state.limit} ${unit} per ${per}. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`,
          { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))), ...limitHeaders(error.limits, Date.now()) },
        );
      }
      case 'server':
        return errorAnswer(500, 'api_error', 'Internal server error');
      case 'unavailable':
        return errorAnswer(503, 'api_error', 'Service unavailable');
      case 'overloaded':
        return errorAnswer(529, 'overloaded_error', 'Overloaded');
      case 'context':
        return errorAnswer(400, 'invalid_request_error', `prompt is too long: ${error.inputTokens} tokens > ${error.contextWindow} maximum`);
      case 'auth':
        return errorAnswer(401, 'authentication_error', 'invalid x-api-key');
      case 'bad-request':
        return errorAnswer(400, 'invalid_request_error', error.message);
      case 'not-found':
        return errorAnswer(404, 'not_found_error', error.message);
    }
  },
};
