import type { JsonSchema } from '../../types.js';
import { createId } from '../create-id.js';
import { findSchemaInPrompt, readSchemaFromPrompt, SimRequestError, type SimRequest } from '../sim-request.js';
import { JSON_HEADERS, maskKey, readBearer, readTextContent, type SimAnswer, type SimError, type SimLimits, type SimProtocol, type SimReply } from './sim-protocol.js';

type Flavour = 'openai' | 'groq';

/** `1m30.5s`, `850ms`: the duration format of OpenAI's and Groq's reset headers. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 10) / 100;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

function limitHeaders(limits: SimLimits): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['requests', 'tokens'] as const) {
    const state = limits[name];
    if (!state) continue;
    headers[`x-ratelimit-limit-${name}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${name}`] = formatDuration(state.resetMs);
  }
  return headers;
}

function errorBody(message: string, type: string, code: string | null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

/**
 * Groq's Structured Outputs support (https://console.groq.com/docs/structured-outputs#supported-models,
 * read 2026-12-01): json_schema with `strict: true` on these models only…
 */
export const GROQ_STRICT_SCHEMA_MODELS: ReadonlySet<string> = new Set(['openai/gpt-oss-20b', 'openai/gpt-oss-120b', 'qwen/qwen3.8-27b']);
/** …and best-effort json_schema (`strict: false`) on these; every other model takes JSON Object Mode only. */
export const GROQ_SCHEMA_MODELS: ReadonlySet<string> = new Set([...GROQ_STRICT_SCHEMA_MODELS, 'openai/gpt-oss-safeguard-20b']);
const GROQ_SUPPORTED_MODELS_URL = 'https://console.groq.com/docs/structured-outputs#supported-models';

/** Groq's 400s for a json_schema response format its model does not take. */
function checkGroqSchemaSupport(model: string, strict: unknown): void {
  if (!GROQ_SCHEMA_MODELS.has(model)) {
    throw new SimRequestError(`This model does not support response format \`json_schema\`. See supported models at ${GROQ_SUPPORTED_MODELS_URL}`);
  }
  if (strict === true && !GROQ_STRICT_SCHEMA_MODELS.has(model)) {
    throw new SimRequestError(`This model does not support strict mode for response format \`json_schema\`; set strict to false. See supported models at ${GROQ_SUPPORTED_MODELS_URL}`);
  }
}

function parse(body: unknown, flavour: Flavour): SimRequest {
  if (!body || typeof body !== 'object') throw new SimRequestError('We could not parse the JSON body of your request.');
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model === '') throw new SimRequestError("you must provide a model parameter");
  if (!Array.isArray(record.messages) || record.messages.length === 0) {
    throw new SimRequestError("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  }
  let system = '';
  const messages: SimRequest['messages'] = [];
  for (const message of record.messages as { role?: unknown; content?: unknown }[]) {
    const text = readTextContent(message?.content);
    if (message?.role === 'system' || message?.role === 'developer') system += (system === '' ? '' : '\n') + text;
    else messages.push({ role: message?.role === 'assistant' ? 'assistant' : 'user', text });
  }
  const maxTokens = record.max_completion_tokens ?? record.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new SimRequestError(`Invalid 'max_completion_tokens': expected an integer greater than 0, got ${JSON.stringify(maxTokens)}.`);
  }
  let schema: JsonSchema | undefined;
  let schemaFromPrompt = false;
  const format = record.response_format as { type?: unknown; json_schema?: { schema?: unknown; strict?: unknown } } | undefined;
  if (format?.type === 'json_schema') {
    if (flavour === 'groq') checkGroqSchemaSupport(record.model, format.json_schema?.strict);
    const sent = format.json_schema?.schema;
    if (!sent || typeof sent !== 'object') throw new SimRequestError("Missing required parameter: 'response_format.json_schema.schema'.");
    schema = sent as JsonSchema;
  } else if (format?.type === 'json_object') {
    // OpenAI and Groq both refuse JSON mode unless the prompt itself asks for JSON.
    const prompt = [system, ...messages.map((message) => message.text)].join('\n');
    if (!/json/i.test(prompt)) throw new SimRequestError("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.");
    schema = readSchemaFromPrompt(prompt);
    schemaFromPrompt = true;
  } else if (format === undefined || format === null || format.type === 'text') {
    schema = findSchemaInPrompt(system);
    schemaFromPrompt = schema !== undefined;
  }
  return {
    model: record.model,
    system,
    messages,
    maxOutputTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    ...(schema ? { schema } : {}),
    ...(schemaFromPrompt ? { schemaFromPrompt } : {}),
    stream: record.stream === true,
  };
}

/** OpenAI's Chat Completions protocol, and Groq's copy of it (`/openai/v1/chat/completions`). */
export function createOpenAIProtocol(flavour: Flavour): SimProtocol {
  const groq = flavour === 'groq';
  return {
    provider: flavour,
    readKey: (headers) => readBearer(headers),
    parseRequest: (body) => parse(body, flavour),

    formatReply(request: SimRequest, reply: SimReply): SimAnswer {
      const requestId = `req_${createId(24)}`;
      const usage = reply.usage;
      const body: Record<string, unknown> = {
        id: groq ? `chatcmpl-${createId(32)}` : `chatcmpl-${createId(29)}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [
          {
            index: 0,
            message: groq
              ? { role: 'assistant', content: reply.text }
              : reply.finish === 'refusal'
                ? { role: 'assistant', content: null, refusal: "I'm sorry, but I can't help with that request.", annotations: [] }
                : { role: 'assistant', content: reply.text, refusal: null, annotations: [] },
            logprobs: null,
            // OpenAI ends a refusal normally, the refusal in the message; Groq reports a filtered answer.
            finish_reason: reply.finish === 'refusal' ? (groq ? 'content_filter' : 'stop') : reply.finish,
          },
        ],
      };
      if (usage) {
        const prompt_tokens_details = { cached_tokens: usage.cachedInputTokens, ...(groq ? {} : { audio_tokens: 0 }) };
        body.usage = groq
          ? {
              queue_time: 0.0002,
              prompt_tokens: usage.inputTokens,
              prompt_time: usage.inputTokens / 1e6,
              completion_tokens: usage.outputTokens,
              completion_time: usage.outputTokens / 1e4,
              total_tokens: usage.inputTokens + usage.outputTokens,
              total_time: usage.inputTokens / 1e6 + usage.outputTokens / 1e4,
              ...(usage.cachedInputTokens > 0 ? { prompt_tokens_details } : {}),
            }
          : {
              prompt_tokens: usage.inputTokens,
              completion_tokens: usage.outputTokens,
              total_tokens: usage.inputTokens + usage.outputTokens,
              prompt_tokens_details,
              completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
            };
      }
      if (groq) {
        body.usage_breakdown = null;
        body.system_fingerprint = 'fp_sim';
        body.x_groq = { id: requestId, seed: 0 };
        body.service_tier = 'on_demand';
      } else {
        body.service_tier = 'default';
        body.system_fingerprint = 'fp_sim';
      }
      return { status: 200, headers: { ...JSON_HEADERS, 'x-request-id': requestId, ...limitHeaders(reply.limits) }, body: JSON.stringify(body) };
    },

    formatError(error: SimError): SimAnswer {
      const headers: Record<string, string> = { ...JSON_HEADERS, 'x-request-id': `req_${createId(24)}` };
      switch (error.kind) {
        case 'rate-limited': {
          const state = error.limits[error.limit]!;
          const per = error.windowMs === 60_000 ? (groq ? 'minute' : 'min') : `${error.windowMs / 1000}s window`;
          const short = error.limit === 'requests' ? 'RPM' : 'TPM';
          const wait = formatDuration(error.retryAfterMs);
          const message = groq
            ? `Rate limit reached for model \`${error.model}\` in organization \`org_simulator\` service tier \`on_demand\` on ${error.limit} per ${per} (${short}): Limit ${state.limit}, Used ${state.used ?? state.limit}, Requested ${state.requested ?? 1}. Please try again in ${wait}. Visit https://console.groq.com/docs/rate-limits for more information.`
            : `Rate limit reached for ${error.model} in organization org-simulator on ${error.limit} per ${per} (${short}): Limit ${state.limit}, Used ${state.used ?? state.limit}, Requested ${state.requested ?? 1}. Please try again in ${wait}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
          // Groq sends retry-after (seconds); OpenAI only its x-ratelimit-reset-* headers.
          const retry: Record<string, string> = groq ? { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) } : {};
          return {
            status: 429,
            headers: { ...headers, ...retry, ...limitHeaders(error.limits) },
            body: groq ? JSON.stringify({ error: { message, type: error.limit, code: 'rate_limit_exceeded' } }) : errorBody(message, error.limit, 'rate_limit_exceeded'),
          };
        }
        case 'server':
          return {
            status: 500,
            headers,
            body: groq ? JSON.stringify({ error: { message: 'Internal Server Error', type: 'internal_server_error' } }) : errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null),
          };
        case 'unavailable':
        case 'overloaded':
          return {
            status: 503,
            headers,
            body: groq
              ? JSON.stringify({ error: { message: 'Service Unavailable', type: 'internal_server_error' } })
              : errorBody('The engine is currently overloaded, please try again later.', 'server_error', null),
          };
        case 'context':
          return {
            status: 400,
            headers,
            body: groq
              ? JSON.stringify({ error: { message: 'Please reduce the length of the messages or completion.', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } })
              : errorBody(
                  `This model's maximum context length is ${error.contextWindow} tokens. However, your messages resulted in ${error.inputTokens} tokens. Please reduce the length of the messages.`,
                  'invalid_request_error',
                  'context_length_exceeded',
                  'messages',
                ),
          };
        case 'auth':
          return {
            status: 401,
            headers,
            body: groq
              ? JSON.stringify({ error: { message: 'Invalid API Key', type: 'invalid_request_error', code: 'invalid_api_key' } })
              : error.presentedKey === undefined
                ? errorBody("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error', null)
                : errorBody(`Incorrect API key provided: ${maskKey(error.presentedKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'),
          };
        case 'bad-request':
          // Groq's error object carries only message and type.
          return { status: 400, headers, body: groq ? JSON.stringify({ error: { message: error.message, type: 'invalid_request_error' } }) : errorBody(error.message, 'invalid_request_error', null) };
        case 'not-found':
          return { status: 404, headers, body: errorBody(error.message, 'invalid_request_error', 'unknown_url') };
      }
    },
  };
}
