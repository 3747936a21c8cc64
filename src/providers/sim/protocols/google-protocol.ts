import type { JsonSchema } from '../../types.js';
import { createId } from '../create-id.js';
import { findSchemaInPrompt, readSchemaFromPrompt, SimRequestError, type SimRequest, type SimThinking } from '../sim-request.js';

/** Gemini 2.5 Flash thinks unless thinkingBudget is 0: dynamically 8× the answer and at least 200 tokens, at most a positive budget. */
const FLASH_THINKING: SimThinking = { multiplier: 8, floor: 200 };
/** The largest thinkingBudget 2.5 Flash accepts. */
const FLASH_MAX_BUDGET = 24_576;

function readFlashThinking(config: { thinkingConfig?: unknown }): SimThinking | undefined {
  const budget = (config.thinkingConfig as { thinkingBudget?: unknown } | undefined)?.thinkingBudget;
  if (budget === undefined || budget === null || budget === -1) return FLASH_THINKING;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < -1 || budget > FLASH_MAX_BUDGET) {
    throw new SimRequestError(`* GenerateContentRequest.generation_config.thinking_config.thinking_budget: The thinking budget ${JSON.stringify(budget)} is invalid. Please choose a value between 0 and ${FLASH_MAX_BUDGET}, or -1.`);
  }
  return budget === 0 ? undefined : { ...FLASH_THINKING, cap: budget };
}
import { type SimAnswer, type SimError, type SimProtocol, type SimReply } from './sim-protocol.js';

const GOOGLE_HEADERS = { 'content-type': 'application/json; charset=UTF-8' } as const;

function errorAnswer(code: number, status: string, message: string, details?: unknown[]): SimAnswer {
  return { status: code, headers: { ...GOOGLE_HEADERS }, body: JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }) };
}

function readParts(content: unknown): string {
  if (typeof content === 'string') return content;
  const parts = (content as { parts?: unknown } | undefined)?.parts;
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const part of parts) {
    const value = (part as { text?: unknown } | null)?.text;
    if (typeof value === 'string') text += (text === '' ? '' : '\n') + value;
  }
  return text;
}

function parse(body: unknown, urlModel: string | undefined): SimRequest {
  if (!body || typeof body !== 'object') throw new SimRequestError('Invalid JSON payload received.');
  if (!urlModel) throw new SimRequestError('Model name is required.');
  const record = body as Record<string, unknown>;
  if (!Array.isArray(record.contents) || record.contents.length === 0) throw new SimRequestError('* GenerateContentRequest.contents: contents is not specified');
  const messages: SimRequest['messages'] = (record.contents as { role?: unknown }[]).map((content) => ({
    role: content?.role === 'model' ? 'assistant' : 'user',
    text: readParts(content),
  }));
  const config = (record.generationConfig ?? {}) as { maxOutputTokens?: unknown; responseMimeType?: unknown; responseJsonSchema?: unknown; responseSchema?: unknown; thinkingConfig?: unknown };
  const model = urlModel.replace(/^models\//, '');
  const thinking = /^gemini-2\.5-flash/.test(model) ? readFlashThinking(config) : undefined;
  const maxTokens = config.maxOutputTokens;
  if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new SimRequestError(`* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer`);
  }
  let schema: JsonSchema | undefined;
  const sent = config.responseJsonSchema ?? config.responseSchema;
  if (sent !== undefined) {
    if (config.responseMimeType !== 'application/json') {
      throw new SimRequestError('* GenerateContentRequest.generation_config.response_mime_type: must be application/json when a response schema is set');
    }
    if (!sent || typeof sent !== 'object') throw new SimRequestError('* GenerateContentRequest.generation_config.response_schema: invalid schema');
    schema = sent as JsonSchema;
  }
  const system = readParts(record.systemInstruction);
  let schemaFromPrompt = false;
  if (schema === undefined && config.responseMimeType === 'application/json') {
    schema = readSchemaFromPrompt([system, ...messages.map((message) => message.text)].join('\n'));
    schemaFromPrompt = true;
  } else if (schema === undefined) {
    schema = findSchemaInPrompt(system);
    schemaFromPrompt = schema !== undefined;
  }
  return {
    model,
    system,
    messages,
    ...(thinking ? { thinking } : {}),
    ...(schemaFromPrompt ? { schemaFromPrompt } : {}),
    maxOutputTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    ...(schema ? { schema } : {}),
    stream: false,
  };
}

/** The Gemini API's `generateContent` protocol (`POST /v1beta/models/{model}:generateContent`). */
export const googleProtocol: SimProtocol = {
  provider: 'google',
  readKey: (headers, query) => {
    const key = headers['x-goog-api-key'];
    return typeof key === 'string' ? key : (query.get('key') ?? undefined);
  },
  parseRequest: (body, urlModel) => parse(body, urlModel),

  formatReply(request: SimRequest, reply: SimReply): SimAnswer {
    const body: Record<string, unknown> = {
      candidates: [
        reply.finish === 'refusal'
          ? { content: { parts: [], role: 'model' }, finishReason: 'SAFETY', index: 0 }
          : { content: { parts: [{ text: reply.text }], role: 'model' }, finishReason: reply.finish === 'length' ? 'MAX_TOKENS' : 'STOP', index: 0 },
      ],
    };
    const usage = reply.usage;
    if (usage) {
      // Gemini leaves zero counts out.
      body.usageMetadata = {
        promptTokenCount: usage.inputTokens,
        // candidatesTokenCount leaves the thoughts out; they are reported on their own.
        ...(usage.outputTokens - usage.thinkingTokens > 0 ? { candidatesTokenCount: usage.outputTokens - usage.thinkingTokens } : {}),
        ...(usage.thinkingTokens > 0 ? { thoughtsTokenCount: usage.thinkingTokens } : {}),
        totalTokenCount: usage.inputTokens + usage.outputTokens,
        ...(usage.cachedInputTokens > 0
          ? { cachedContentTokenCount: usage.cachedInputTokens, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: usage.cachedInputTokens }] }
          : {}),
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.inputTokens }],
      };
    }
    body.modelVersion = request.model;
    body.responseId = createId(22);
    return { status: 200, headers: { ...GOOGLE_HEADERS }, body: JSON.stringify(body) };
  },

  formatError(error: SimError): SimAnswer {
    switch (error.kind) {
      case 'rate-limited': {
        const state = error.limits[error.limit]!;
        const metric = error.limit === 'requests' ? 'generate_content_requests' : 'generate_content_input_token_count';
        // Gemini states the wait in the body (google.rpc.RetryInfo), not in a header.
        return errorAnswer(429, 'RESOURCE_EXHAUSTED', `You exceeded your current quota, please check your plan and billing details. Please retry in ${(error.retryAfterMs / 1000).toFixed(3)}s.`, [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric: `generativelanguage.googleapis.com/${metric}`,
                quotaId: error.limit === 'requests' ? 'GenerateRequestsPerMinutePerProjectPerModel' : 'GenerateContentInputTokensPerModelPerMinute',
                quotaDimensions: { location: 'global', model: error.model },
                quotaValue: String(state.limit),
              },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.max(1, Math.ceil(error.retryAfterMs / 1000))}s` },
        ]);
      }
      case 'server':
        return errorAnswer(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
      case 'unavailable':
      case 'overloaded':
        return errorAnswer(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
      case 'context':
        return errorAnswer(400, 'INVALID_ARGUMENT', `The input token count (${error.inputTokens}) exceeds the maximum number of tokens allowed (${error.contextWindow}).`);
      case 'auth':
        // Gemini answers a wrong key with 400 API_KEY_INVALID and a missing one with 403.
        return error.presentedKey === undefined
          ? errorAnswer(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
          : errorAnswer(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
              { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
              { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
            ]);
      case 'bad-request':
        return errorAnswer(400, 'INVALID_ARGUMENT', error.message);
      case 'not-found':
        return errorAnswer(404, 'NOT_FOUND', error.message);
    }
  },
};
