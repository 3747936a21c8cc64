import { z } from 'zod';

/** The wire protocols the simulator speaks, named by the provider whose API they copy. */
export const SIM_PROVIDERS = ['openai', 'groq', 'anthropic', 'google'] as const;
export type SimProvider = (typeof SIM_PROVIDERS)[number];

/** How one model behaves. Set per provider model id, with `*` as the default for all. */
export interface SimModelKnobs {
  /** Mean answer latency. Default 0. */
  latencyMs: number;
  /** Latency varies uniformly by ± this much. Default 0. */
  jitterMs: number;
  /** Requests accepted per window; over it → 429. Default null (no limit). */
  requestsPerWindow: number | null;
  /** Tokens (input + output) accepted per window; over it → 429. Default null (no limit). */
  tokensPerWindow: number | null;
  /**
   * Share of requests answered with each server error. `529` is Anthropic's "overloaded"; the
   * other protocols answer it as 503. Default all 0.
   */
  errorRates: { '500': number; '503': number; '529': number };
  /** Share of requests that never get an answer (the client's timeout ends them). Default 0. */
  timeoutRate: number;
  /** Share of structured requests whose answer is not valid JSON. Default 0. */
  malformedJsonRate: number;
  /** Share of answers sent without their usage block. Default 0. */
  missingUsageRate: number;
  /**
   * Share of answers the vendor's safety classifier ends early (billed up to there): Anthropic
   * `stop_reason: "refusal"`, OpenAI a `message.refusal`, Gemini `finishReason: "SAFETY"`, Groq
   * `finish_reason: "content_filter"`. Drawn from a stream of its own, so setting it changes no
   * other outcome. Default 0.
   */
  refusalRate: number;
  /** Context window in tokens; longer prompts get the vendor's context-length error. Default: by model family. */
  contextWindow: number | null;
  /** Output limit when the request sets none. Default 8192. */
  defaultMaxOutputTokens: number;
  /**
   * Simulate automatic prompt caching: a system prompt of ≥ 1024 tokens seen before for the same
   * model is reported as cached input (in 128-token steps). Default false.
   */
  promptCache: boolean;
  /**
   * Share of classification answers (a schema whose only property is an enum) given another of
   * the offered labels. Decided per prompt and seed, not per request. Default 0.
   */
  wrongLabelRate: number;
  /** Share of other structured answers with one required field wrong (per prompt and seed). Default 0. */
  wrongFieldRate: number;
  /** Share of free-text answers that are a weak, generic summary instead of one from the source (per prompt and seed). Default 0. */
  weakSummaryRate: number;
}

export interface SimConfig {
  /** Length of the rate-limit window. Default 60 000 ms. */
  windowMs: number;
  /** Seed of the per-model random streams that decide errors, timeouts and jitter. Default 1. */
  seed: number;
  /** API key each protocol requires; a request with another key gets the vendor's auth error. Default: none checked. */
  keys: Partial<Record<SimProvider, string>>;
  /** Knobs per provider model id; `*` applies to every model and is overridden by the model's own. */
  models: Record<string, SimModelSettings>;
  /** How the batch endpoints (OpenAI and Groq routes) behave. */
  batches: SimBatchKnobs;
}

/** Knobs of the simulated batch APIs. Lines are answered by the same engine as synchronous calls. */
export interface SimBatchKnobs {
  /** Time from creation until a batch has finished (validating → in_progress → completed). Default 2,000 ms. */
  processingMs: number;
  /** Share of lines answered with `lineErrorStatus` instead of an answer. Default 0. */
  lineErrorRate: number;
  /** HTTP status of an errored line: 500 (server error) or 400 (bad request). Default 500. */
  lineErrorStatus: 400 | 500;
  /** Share of lines not run before the window ended: the batch ends `expired`, those lines in the error file. Default 0. */
  expiredLineRate: number;
  /** Every new batch fails validation (as one over the model's enqueued-token limit does): nothing billed. Default false. */
  failValidation: boolean;
}

export const DEFAULT_BATCH_KNOBS: SimBatchKnobs = { processingMs: 2_000, lineErrorRate: 0, lineErrorStatus: 500, expiredLineRate: 0, failValidation: false };

/** The knobs set for one model id: any subset, error rates included. */
export type SimModelSettings = Partial<Omit<SimModelKnobs, 'errorRates'>> & { errorRates?: Partial<SimModelKnobs['errorRates']> };

export const DEFAULT_KNOBS: Omit<SimModelKnobs, 'contextWindow'> = {
  latencyMs: 0,
  jitterMs: 0,
  requestsPerWindow: null,
  tokensPerWindow: null,
  errorRates: { '500': 0, '503': 0, '529': 0 },
  timeoutRate: 0,
  malformedJsonRate: 0,
  missingUsageRate: 0,
  refusalRate: 0,
  defaultMaxOutputTokens: 8192,
  promptCache: false,
  wrongLabelRate: 0,
  wrongFieldRate: 0,
  weakSummaryRate: 0,
};

export function defaultSimConfig(): SimConfig {
  return { windowMs: 60_000, seed: 1, keys: {}, models: {}, batches: { ...DEFAULT_BATCH_KNOBS } };
}

const rate = z.number().min(0).max(1);
const count = z.number().int().positive();

const knobsSchema = z
  .object({
    latencyMs: z.number().min(0),
    jitterMs: z.number().min(0),
    requestsPerWindow: count.nullable(),
    tokensPerWindow: count.nullable(),
    errorRates: z.object({ '500': rate, '503': rate, '529': rate }).partial().strict(),
    timeoutRate: rate,
    malformedJsonRate: rate,
    missingUsageRate: rate,
    refusalRate: rate,
    contextWindow: count.nullable(),
    defaultMaxOutputTokens: count,
    promptCache: z.boolean(),
    wrongLabelRate: rate,
    wrongFieldRate: rate,
    weakSummaryRate: rate,
  })
  .partial()
  .strict();

/** A change to the configuration: top-level fields replace, model entries merge knob by knob (null removes one). */
export const simConfigPatchSchema = z
  .object({
    windowMs: count,
    seed: z.number().int(),
    keys: z.object({ openai: z.string(), groq: z.string(), anthropic: z.string(), google: z.string() }).partial().strict(),
    models: z.record(z.string().min(1), knobsSchema.nullable()),
    batches: z
      .object({
        processingMs: z.number().min(0),
        lineErrorRate: rate,
        lineErrorStatus: z.union([z.literal(400), z.literal(500)]),
        expiredLineRate: rate,
        failValidation: z.boolean(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type SimConfigPatch = z.infer<typeof simConfigPatchSchema>;

/** Validates a patch; throws an Error naming the offending field and the expected value. */
export function parseSimConfigPatch(input: unknown): SimConfigPatch {
  const parsed = simConfigPatchSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : 'config';
    throw new Error(`${where}: ${issue.message}`);
  }
  return parsed.data;
}

/** `config` with `patch` applied (a new object). */
export function applySimConfigPatch(config: SimConfig, patch: SimConfigPatch): SimConfig {
  const models: Record<string, SimModelSettings> = { ...config.models };
  for (const [model, knobs] of Object.entries(patch.models ?? {})) {
    if (knobs === null) {
      delete models[model];
      continue;
    }
    const previous = models[model] ?? {};
    const errorRates = previous.errorRates || knobs.errorRates ? { errorRates: { ...previous.errorRates, ...knobs.errorRates } } : {};
    models[model] = { ...previous, ...knobs, ...errorRates };
  }
  return {
    windowMs: patch.windowMs ?? config.windowMs,
    seed: patch.seed ?? config.seed,
    keys: patch.keys ? { ...patch.keys } : config.keys,
    models,
    batches: { ...DEFAULT_BATCH_KNOBS, ...config.batches, ...patch.batches },
  };
}

/** The knobs in force for `model`: defaults, then `*`, then the model's own. */
export function resolveKnobs(config: SimConfig, model: string, contextWindow: number | null): SimModelKnobs {
  const all = config.models['*'] ?? {};
  const own = config.models[model] ?? {};
  return {
    ...DEFAULT_KNOBS,
    contextWindow,
    ...all,
    ...own,
    errorRates: { ...DEFAULT_KNOBS.errorRates, ...all.errorRates, ...own.errorRates },
  };
}
