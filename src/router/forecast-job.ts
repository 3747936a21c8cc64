import type { JobSpec } from '../jobs/job-spec.js';
import { splitDocument } from '../jobs/split-document.js';
import type { SummarizePayload } from '../jobs/summarize.js';
import type { Calibration } from '../pricing/calibration.js';
import type { Catalog } from '../pricing/catalog.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { estimate, expectedCostFloor, outputCap, type Estimate } from '../pricing/estimate.js';
import { countTokens } from '../pricing/tokenizer.js';
import type { ProviderId } from '../pricing/types.js';
import { chunkJobs, combineSpec } from '../queue/long-documents.js';
import { chunkTokensFor } from './chunk-size.js';
import { priceInBatch } from './price-in-batch.js';
import { estimateRequestFor } from './forecast.js';
import { route, type Route, type LearnedRatingsInForce } from './route.js';

export interface ForecastJobOptions {
  /** Largest piece of a long document summarized in one call, as the worker is configured. Default 12,000. */
  chunkTokens?: number;
  /** Whether a job (or part) may go to this model's batch API (its deadline leaves the vendor's window). Default: never. */
  batchEligible?: (spec: JobSpec, model: CatalogModel) => boolean;
  /** Learned ratings in force, as a worker would route with them. Default: the catalog's ratings. */
  learnedRatings?: LearnedRatingsInForce;
}

/** The calls of one step of a job on one model: the whole job, its chunks, a reduce level, or the final combine. */
export interface ForecastStep {
  role: 'whole' | 'chunk' | 'reduce' | 'combine';
  /** Reduce level (0 = the document's chunks). */
  level: number;
  model: string | null;
  /** `batch` when the step's calls go to the model's provider batch API (priced at the batch discount). */
  mode: 'sync' | 'batch';
  calls: number;
  expectedCostMicros: number;
  maxCostMicros: number;
}

export interface JobForecast {
  /** The model of the job's first calls (its chunks for a long document); null when none qualifies. */
  model: string | null;
  /** The mode of the job's first calls: `batch` when its deadline sends them to a provider batch API. */
  mode: 'sync' | 'batch';
  /** Every call the worker will make for the job, and their costs. */
  calls: number;
  expectedCostMicros: number;
  maxCostMicros: number;
  /** For a long document: the chunks it is split into, and the reduce calls over their summaries. */
  chunks?: number;
  reduceCalls?: number;
  steps: ForecastStep[];
  /** Set when no model can take the job (or one of its parts): why each model was refused. */
  noModel?: string;
}

/**
 * What a job will cost as the worker will run it: a long document is split as the producer splits
 * it (same chunk size, same splitter), each chunk routed and priced, then the reduce levels over
 * the chunks' expected summaries (as JobPipeline.combineChildren regroups them) and the final
 * combine. Reduce inputs are priced on placeholder text of the expected summary length. Health
 * and budgets aside; models are estimated lazily, as the worker does.
 */
export function forecastJob(
  spec: JobSpec,
  catalog: Catalog,
  calibration: Calibration,
  providerUnavailable: (provider: ProviderId) => string | undefined,
  options: ForecastJobOptions = {},
): JobForecast {
  const routeOf = (s: JobSpec) => routeSpec(s, catalog, calibration, providerUnavailable, options.batchEligible, options.learnedRatings);
  const limit = chunkLimit(spec, catalog, calibration, providerUnavailable, options.chunkTokens ?? 12_000);
  const payload = spec.payload as SummarizePayload;
  const long = spec.kind === 'summarize' && payload.part === undefined && limit > 0 && Buffer.byteLength(payload.text, 'utf8') > limit && countTokens(payload.text, 'cl100k_base') > limit;
  if (!long) {
    const r = routeOf(spec);
    if (!r.chosen) return empty(r.route, spec);
    const step = stepOf('whole', 0, [r.chosen]);
    return { model: step.model, mode: step.mode, calls: 1, expectedCostMicros: step.expectedCostMicros, maxCostMicros: step.maxCostMicros, steps: [step] };
  }

  const steps: ForecastStep[] = [];
  const chunks = splitDocument(payload.text, limit, 'cl100k_base');
  const chunkRoutes = chunkJobs('forecast', spec, chunks, 0).map((child) => routeOf(child.data.spec));
  const refused = chunkRoutes.find((r) => !r.chosen);
  if (refused) return empty(refused.route, spec);
  steps.push(...stepsByModel('chunk', 0, chunkRoutes.map((r) => r.chosen!)));

  // The parent joins its children's summaries; while they do not fit one call, they are reduced
  // in groups by another level of children.
  let summaries = chunkRoutes.map((r) => r.chosen!.estimate.expectedOutputTokens);
  let reduceCalls = 0;
  for (let level = 1; ; level++) {
    const joined = summaries.reduce((n, s) => n + s, 0) + Math.max(0, summaries.length - 1);
    const perGroup = Math.max(1, Math.floor((limit + 1) / (Math.max(...summaries) + 1)));
    const groups = Math.ceil(summaries.length / perGroup);
    if (joined <= limit || groups < 2) {
      const combine = routeOf({ ...combineSpec(spec, chunks.length), payload: { ...payload, text: placeholder(joined), part: { role: 'combine', index: 0, of: chunks.length } } });
      if (!combine.chosen) return empty(combine.route, spec);
      steps.push(stepOf('combine', level, [combine.chosen]));
      reduceCalls++;
      break;
    }
    const next: number[] = [];
    const groupSpecs = chunkJobs('forecast', spec, Array.from({ length: groups }, (_, g) => placeholder(groupTokens(summaries, g, perGroup))), level);
    const groupRoutes = groupSpecs.map((child) => routeOf(child.data.spec));
    const refusedGroup = groupRoutes.find((r) => !r.chosen);
    if (refusedGroup) return empty(refusedGroup.route, spec);
    steps.push(...stepsByModel('reduce', level, groupRoutes.map((r) => r.chosen!)));
    for (const r of groupRoutes) next.push(r.chosen!.estimate.expectedOutputTokens);
    reduceCalls += groups;
    summaries = next;
  }
  const calls = steps.reduce((n, s) => n + s.calls, 0);
  return {
    model: steps[0]!.model,
    mode: steps[0]!.mode,
    calls,
    expectedCostMicros: steps.reduce((n, s) => n + s.expectedCostMicros, 0),
    maxCostMicros: steps.reduce((n, s) => n + s.maxCostMicros, 0),
    chunks: chunks.length,
    reduceCalls,
    steps,
  };
}

/**
 * Why no model can ever take the job (its tier, privacy or the configured providers rule every
 * model out), or undefined. Cheap: no token is counted; a job too long for every window is split,
 * not refused.
 */
export function whyNoModel(spec: JobSpec, catalog: Catalog, providerUnavailable: (provider: ProviderId) => string | undefined, learnedRatings?: LearnedRatingsInForce): string | undefined {
  const free = { maxInputTokens: 0, maxOutputTokens: 0, expectedCostMicros: 0, maxCostMicros: 0 };
  const decision = route({
    kind: spec.kind,
    tier: spec.tier,
    private: spec.private,
    candidates: catalog.list().map((model) => ({ model, estimate: free })),
    providerUnavailable,
    budgetRoomMicros: undefined,
    ...(learnedRatings ? { learnedRatings } : {}),
  });
  return decision.modelId === undefined ? noModelText(decision, spec) : undefined;
}

/** `no model qualifies: gpt-4o-mini: private job: hosted providers are not allowed; …`, with the fix when there is one. */
export function noModelText(decision: Route, spec: JobSpec): string {
  const reasons = decision.candidates.map((c) => `${c.modelId}: ${c.lost ?? 'not chosen'}`).join('; ');
  const selfHosted = decision.candidates.some((c) => c.provider === 'local');
  const fix = spec.private && !selfHosted ? ' — private jobs need a self-hosted model: set FRUGAL_LOCAL_URL (and FRUGAL_LOCAL_MODEL)' : '';
  return `no model qualifies: ${reasons}${fix}`;
}

interface Chosen {
  model: CatalogModel;
  estimate: Estimate;
  mode: 'sync' | 'batch';
}

function routeSpec(
  spec: JobSpec,
  catalog: Catalog,
  calibration: Calibration,
  providerUnavailable: (provider: ProviderId) => string | undefined,
  batchEligible?: (spec: JobSpec, model: CatalogModel) => boolean,
  learnedRatings?: LearnedRatingsInForce,
): { route: Route; chosen: Chosen | undefined } {
  const request = estimateRequestFor(spec);
  const estimates = new Map<string, Estimate>();
  const estimateOf = (model: CatalogModel): Estimate => {
    let e = estimates.get(model.id);
    if (!e) estimates.set(model.id, (e = estimate(request, model, calibration)));
    return e;
  };
  const decision = route({
    kind: spec.kind,
    tier: spec.tier,
    private: spec.private,
    candidates: catalog.list().map((model) => ({
      model,
      estimate: () => estimateOf(model),
      floorMicros: expectedCostFloor(request, model, calibration),
      ...(batchEligible?.(spec, model) ? { batch: { estimate: priceInBatch(estimateOf(model), model) } } : {}),
    })),
    providerUnavailable,
    budgetRoomMicros: undefined,
    ...(learnedRatings ? { learnedRatings } : {}),
  });
  if (decision.modelId === undefined) return { route: decision, chosen: undefined };
  const model = catalog.require(decision.modelId);
  const mode = decision.mode;
  return { route: decision, chosen: { model, mode, estimate: mode === 'batch' ? priceInBatch(estimateOf(model), model) : estimateOf(model) } };
}

function chunkLimit(spec: JobSpec, catalog: Catalog, calibration: Calibration, providerUnavailable: (provider: ProviderId) => string | undefined, chunkTokens: number): number {
  if (spec.kind !== 'summarize') return 0;
  return chunkTokensFor(catalog.list(), calibration, {
    kind: spec.kind,
    tier: spec.tier,
    private: spec.private,
    outputTokens: outputCap(estimateRequestFor(spec)) ?? 4_096,
    chunkTokens,
    providerUsable: (p) => providerUnavailable(p) === undefined,
  });
}

function empty(decision: Route, spec: JobSpec): JobForecast {
  return { model: null, mode: 'sync', calls: 0, expectedCostMicros: 0, maxCostMicros: 0, steps: [], noModel: noModelText(decision, spec) };
}

function stepOf(role: ForecastStep['role'], level: number, chosen: Chosen[]): ForecastStep {
  return {
    role,
    level,
    model: chosen[0]?.model.id ?? null,
    mode: chosen[0]?.mode ?? 'sync',
    calls: chosen.length,
    expectedCostMicros: chosen.reduce((n, c) => n + c.estimate.expectedCostMicros, 0),
    maxCostMicros: chosen.reduce((n, c) => n + c.estimate.maxCostMicros, 0),
  };
}

function stepsByModel(role: ForecastStep['role'], level: number, chosen: Chosen[]): ForecastStep[] {
  const byModel = new Map<string, Chosen[]>();
  for (const c of chosen) byModel.set(`${c.model.id}/${c.mode}`, [...(byModel.get(`${c.model.id}/${c.mode}`) ?? []), c]);
  return [...byModel.values()].map((list) => stepOf(role, level, list));
}

function groupTokens(summaries: readonly number[], group: number, perGroup: number): number {
  const slice = summaries.slice(group * perGroup, (group + 1) * perGroup);
  return slice.reduce((n, s) => n + s, 0) + Math.max(0, slice.length - 1);
}

/** Text of about `tokens` cl100k_base tokens ("word" and " word" are one token each). */
function placeholder(tokens: number): string {
  return 'word '.repeat(Math.max(1, tokens)).trimEnd();
}
