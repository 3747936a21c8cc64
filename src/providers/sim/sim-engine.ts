import type { IncomingHttpHeaders } from 'node:http';
import { decodeTokens, encodeTokens, type Encoding } from '../../pricing/tokenizer.js';
import { createTokenCounter } from './create-token-counter.js';
import { createPrng, hashString } from './create-prng.js';
import type { ContextWindowFor } from './default-context-window-for.js';
import type { SimTokenizer, TokenizerFor } from './default-tokenizer-for.js';
import { WEAK_SUMMARY, isJudgeSchema, judgeVerdict, labelEnum, qualityDraw, withWrongField, withWrongLabel } from './degrade-answer.js';
import { generateObject } from './generate-object.js';
import type { SimAnswer, SimError, SimLimits, SimProtocol, SimReply, SimUsage } from './protocols/sim-protocol.js';
import { applySimConfigPatch, defaultSimConfig, parseSimConfigPatch, resolveKnobs, type SimConfig, type SimModelKnobs } from './sim-config.js';
import { SimRequestError, thinkingTokensFor, type SimRequest } from './sim-request.js';
import { SimStatsRecorder, type SimStats } from './sim-stats.js';
import { summarizeText } from './summarize-text.js';

/** What to do with one request: answer it (after `delayMs`), or leave it hanging until the client gives up. */
export type SimOutcome = { type: 'answer'; answer: SimAnswer; delayMs: number } | { type: 'hang' };

export interface SimEngineOptions {
  config: SimConfig;
  tokenizerFor: TokenizerFor;
  contextWindowFor: ContextWindowFor;
  /** Clock for rate-limit windows. Default Date.now. */
  now?: () => number;
}

interface ModelState {
  knobs: SimModelKnobs;
  tokenizer: SimTokenizer;
  count: (text: string) => number;
  random: () => number;
  /** A stream of its own for refusals: the knob shifts no other outcome. */
  refusalRandom: () => number;
  windowStart: number;
  requests: number;
  tokens: number;
  /** System prompts seen, for the prompt-cache knob. */
  cache: Set<string>;
}

/** Tokens per message and for priming the reply, as OpenAI documents for its chat format. */
const MESSAGE_OVERHEAD = 3;
const MIN_CACHEABLE = 1024;
const CACHE_STEP = 128;
const MAX_CACHE_ENTRIES = 10_000;

/**
 * The simulator's behaviour, apart from HTTP: reads a request through its protocol, applies the
 * model's knobs (auth, rate windows, context window, error/timeout/malformed rates, latency) and
 * builds the answer with usage counted by the model's tokenizer.
 */
export class SimEngine {
  private configValue: SimConfig;
  private readonly tokenizerFor: TokenizerFor;
  private readonly contextWindowFor: ContextWindowFor;
  private readonly now: () => number;
  private readonly states = new Map<string, ModelState>();
  private readonly recorder = new SimStatsRecorder();
  private readonly counters = new Map<Encoding, (text: string) => number>();

  constructor(options: SimEngineOptions) {
    this.configValue = options.config;
    this.tokenizerFor = options.tokenizerFor;
    this.contextWindowFor = options.contextWindowFor;
    this.now = options.now ?? Date.now;
  }

  get config(): SimConfig {
    return structuredClone(this.configValue);
  }

  /**
   * Applies a configuration patch (validated; throws an Error naming the bad field). With
   * `replace`, the patch applies to the defaults instead of the current configuration.
   */
  configure(patch: unknown, options: { replace?: boolean } = {}): SimConfig {
    const parsed = parseSimConfigPatch(patch);
    this.configValue = applySimConfigPatch(options.replace ? defaultSimConfig() : this.configValue, parsed);
    if (parsed.seed !== undefined || options.replace) this.states.clear();
    for (const [model, state] of this.states) state.knobs = resolveKnobs(this.configValue, model, this.contextWindowFor(model));
    return this.config;
  }

  stats(): SimStats {
    return this.recorder.snapshot();
  }

  /** Zeroes the counters, rate windows, random streams and prompt cache. */
  reset(): void {
    this.recorder.reset();
    this.states.clear();
  }

  private counter(encoding: Encoding): (text: string) => number {
    let counter = this.counters.get(encoding);
    if (!counter) {
      counter = createTokenCounter(encoding);
      this.counters.set(encoding, counter);
    }
    return counter;
  }

  private state(model: string): ModelState {
    let state = this.states.get(model);
    if (!state) {
      const tokenizer = this.tokenizerFor(model);
      state = {
        knobs: resolveKnobs(this.configValue, model, this.contextWindowFor(model)),
        tokenizer,
        count: this.counter(tokenizer.encoding),
        random: createPrng(hashString(`${this.configValue.seed}:${model}`)),
        refusalRandom: createPrng(hashString(`${this.configValue.seed}:${model}:refusal`)),
        windowStart: 0,
        requests: 0,
        tokens: 0,
        cache: new Set(),
      };
      this.states.set(model, state);
    }
    return state;
  }

  /**
   * Answers one request. `batch`: a line of a provider batch — not counted against the
   * synchronous rate windows, no latency, and a request that would hang gets a server error.
   */
  handle(protocol: SimProtocol, headers: IncomingHttpHeaders, query: URLSearchParams, rawBody: string, urlModel?: string, options: { batch?: boolean } = {}): SimOutcome {
    const batch = options.batch === true;
    let body: unknown;
    let unreadable = false;
    try {
      body = JSON.parse(rawBody);
    } catch {
      unreadable = true;
    }
    let request: SimRequest | undefined;
    let requestError: string | undefined;
    if (!unreadable) {
      try {
        request = protocol.parseRequest(body, urlModel);
      } catch (error) {
        if (!(error instanceof SimRequestError)) throw error;
        requestError = error.message;
      }
    }
    const model = request?.model ?? urlModel ?? '(unknown)';
    const fail = (error: SimError, delayMs = 0): SimOutcome => {
      const answer = protocol.formatError(error);
      this.recorder.answered(protocol.provider, model, answer.status);
      return { type: 'answer', answer, delayMs };
    };

    const requiredKey = this.configValue.keys[protocol.provider];
    if (requiredKey !== undefined) {
      const presented = protocol.readKey(headers, query);
      if (presented !== requiredKey) return fail({ kind: 'auth', presentedKey: presented });
    }
    if (unreadable) return fail({ kind: 'bad-request', message: 'We could not parse the JSON body of your request.' });
    if (!request) return fail({ kind: 'bad-request', message: requestError ?? 'invalid request' });
    if (request.stream) return fail({ kind: 'bad-request', message: 'stream: streaming answers are not supported by the frugal simulator' });

    const state = this.state(model);
    const { knobs, tokenizer } = state;
    // Always draw the same number of values per request, so outcomes do not shift when a knob changes.
    const [errorDraw, timeoutDraw, malformedDraw, usageDraw, jitterDraw] = [state.random(), state.random(), state.random(), state.random(), state.random()];
    const refusalDraw = state.refusalRandom();

    const now = this.now();
    const windowMs = this.configValue.windowMs;
    if (now >= state.windowStart + windowMs) {
      state.windowStart = now - (now % windowMs);
      state.requests = 0;
      state.tokens = 0;
    }
    const resetMs = state.windowStart + windowMs - now;
    const limits = (extraTokens: number): SimLimits => ({
      ...(knobs.requestsPerWindow === null ? {} : { requests: { limit: knobs.requestsPerWindow, remaining: Math.max(0, knobs.requestsPerWindow - state.requests), resetMs, used: state.requests } }),
      ...(knobs.tokensPerWindow === null
        ? {}
        : { tokens: { limit: knobs.tokensPerWindow, remaining: Math.max(0, knobs.tokensPerWindow - state.tokens), resetMs, used: state.tokens, requested: extraTokens } }),
    });
    if (!batch && knobs.requestsPerWindow !== null && state.requests + 1 > knobs.requestsPerWindow) {
      return fail({ kind: 'rate-limited', limit: 'requests', retryAfterMs: resetMs, limits: limits(0), model, windowMs });
    }
    if (!batch) state.requests++;

    const { count } = state;
    const scale = (raw: number): number => Math.round(raw * tokenizer.ratio);
    const systemRaw = request.system === '' ? 0 : count(request.system);
    let promptRaw = MESSAGE_OVERHEAD + (request.system === '' ? 0 : MESSAGE_OVERHEAD + systemRaw);
    const messageTokens = request.messages.map((message) => count(message.text));
    for (const tokens of messageTokens) promptRaw += MESSAGE_OVERHEAD + tokens;
    if (request.schema && !request.schemaFromPrompt) promptRaw += count(JSON.stringify(request.schema));
    const inputTokens = scale(promptRaw);

    if (knobs.contextWindow !== null && inputTokens > knobs.contextWindow) {
      return fail({ kind: 'context', inputTokens, contextWindow: knobs.contextWindow, model });
    }

    const malformed = malformedDraw < knobs.malformedJsonRate;
    const maxTokens = request.maxOutputTokens ?? knobs.defaultMaxOutputTokens;
    let reply = this.reply(request, state, messageTokens, malformed, maxTokens);
    let thinkingTokens = 0;
    if (request.thinking) {
      // The model thinks about the answer it means to give, then answers in what the limit leaves.
      thinkingTokens = Math.min(maxTokens, thinkingTokensFor(request.thinking, scale(reply.tokens)));
      const left = maxTokens - thinkingTokens;
      if (left < scale(reply.tokens)) {
        reply = left > 0 ? this.reply(request, state, messageTokens, malformed, left) : { text: '', finish: 'length', tokens: 0 };
        reply.finish = 'length';
      }
    }
    if (refusalDraw < knobs.refusalRate) reply = refuse(reply, state);
    const outputTokens = scale(reply.tokens) + thinkingTokens;
    if (!batch && knobs.tokensPerWindow !== null && state.tokens + inputTokens + outputTokens > knobs.tokensPerWindow) {
      return fail({ kind: 'rate-limited', limit: 'tokens', retryAfterMs: resetMs, limits: limits(inputTokens + outputTokens), model, windowMs });
    }

    if (timeoutDraw < knobs.timeoutRate) {
      if (batch) return fail({ kind: 'server' });
      this.recorder.leftHanging(protocol.provider, model);
      return { type: 'hang' };
    }
    const delayMs = batch ? 0 : Math.max(0, knobs.latencyMs + (jitterDraw * 2 - 1) * knobs.jitterMs);
    const rates = knobs.errorRates;
    if (errorDraw < rates['500']) return fail({ kind: 'server' }, delayMs);
    if (errorDraw < rates['500'] + rates['503']) return fail({ kind: 'unavailable' }, delayMs);
    if (errorDraw < rates['500'] + rates['503'] + rates['529']) return fail({ kind: 'overloaded' }, delayMs);

    if (!batch) state.tokens += inputTokens + outputTokens;
    const usage: SimUsage = { inputTokens, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens, thinkingTokens };
    if (knobs.promptCache) {
      const systemTokens = scale(systemRaw);
      if (systemTokens >= MIN_CACHEABLE) {
        const cacheable = Math.floor(systemTokens / CACHE_STEP) * CACHE_STEP;
        const key = `${hashString(request.system)}:${request.system.length}`;
        if (state.cache.has(key)) usage.cachedInputTokens = cacheable;
        else {
          if (state.cache.size >= MAX_CACHE_ENTRIES) state.cache.clear();
          state.cache.add(key);
          if (protocol.provider === 'anthropic') usage.cacheWriteTokens = cacheable;
        }
      }
    }
    const withUsage = usageDraw >= knobs.missingUsageRate;
    const answer = protocol.formatReply(request, { ...reply, usage: withUsage ? usage : undefined, limits: limits(0) });
    this.recorder.answered(protocol.provider, model, answer.status, {
      inputTokens,
      cachedInputTokens: usage.cachedInputTokens,
      outputTokens,
      ...(thinkingTokens > 0 ? { reasoningTokens: thinkingTokens } : {}),
    });
    return { type: 'answer', answer, delayMs };
  }

  /** The answer's content: an extractive summary, or an object following the request's schema. */
  private reply(request: SimRequest, state: ModelState, messageTokens: number[], malformed: boolean, maxTokens: number): Pick<SimReply, 'text' | 'object' | 'finish'> & { tokens: number } {
    const { tokenizer, knobs, count } = state;
    const budget = Math.floor(maxTokens / tokenizer.ratio);
    const truncate = (text: string, tokens: number): string => decodeTokens(encodeTokens(text, tokenizer.encoding).slice(0, Math.max(0, tokens)), tokenizer.encoding);
    let index = request.messages.length - 1;
    while (index > 0 && request.messages[index]!.role !== 'user') index--;
    const source = request.messages[index]?.text ?? '';

    // Quality knobs: decided by the prompt, the model and the seed, never by the request's order.
    const draw = (facet: string) => qualityDraw(this.configValue.seed, request.model, facet, source);
    if (!request.schema) {
      if (knobs.weakSummaryRate > 0 && draw('summary') < knobs.weakSummaryRate) {
        const text = truncate(WEAK_SUMMARY, budget);
        return { text, finish: 'stop', tokens: count(text) };
      }
      const summary = summarizeText(source, { maxTokens: budget, count, truncate, textTokens: messageTokens[index] ?? 0 });
      return { text: summary.text, finish: summary.truncated ? 'length' : 'stop', tokens: summary.tokens };
    }
    let object = generateObject(request.schema, source);
    const labels = labelEnum(request.schema);
    if (isJudgeSchema(request.schema)) object = { verdict: judgeVerdict(source) };
    else if (labels) {
      if (knobs.wrongLabelRate > 0 && draw('label') < knobs.wrongLabelRate) object = withWrongLabel(object, labels);
    } else if (knobs.wrongFieldRate > 0) {
      const fieldDraw = draw('field');
      if (fieldDraw < knobs.wrongFieldRate) object = withWrongField(object, request.schema, fieldDraw / knobs.wrongFieldRate);
    }
    const json = JSON.stringify(object);
    const tokens = count(json);
    if (tokens > budget) {
      const cut = truncate(json, budget);
      return { text: cut, finish: 'length', tokens: count(cut) };
    }
    if (malformed) {
      // A malformed answer: the object's JSON cut short, as a model that lost its way would send.
      const cut = json.slice(0, Math.max(1, Math.floor((json.length * 2) / 3)));
      return { text: cut, finish: 'stop', tokens: count(cut) };
    }
    return { text: json, object, finish: 'stop', tokens };
  }
}

/**
 * The answer cut by the vendor's safety classifier: the first third of its text (no object),
 * billed up to there, as Anthropic documents for `stop_reason: "refusal"`.
 */
function refuse(reply: Pick<SimReply, 'text' | 'object' | 'finish'> & { tokens: number }, state: ModelState): Pick<SimReply, 'text' | 'object' | 'finish'> & { tokens: number } {
  const text = reply.text.slice(0, Math.floor(reply.text.length / 3));
  return { text, finish: 'refusal', tokens: text === '' ? 0 : state.count(text) };
}
