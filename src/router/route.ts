import type { CatalogModel } from '../pricing/catalog-model.js';
import type { Estimate } from '../pricing/estimate.js';
import { formatDollars } from '../pricing/money.js';
import { ratingMeetsTier, type Kind, type ProviderId, type Rating, type Tier } from '../pricing/types.js';

/** What the router needs to know of a catalog model. */
export type RoutableModel = Pick<CatalogModel, 'id' | 'provider' | 'contextWindow' | 'ratings' | 'typicalLatencyMs'>;

/** What the router needs of the pricing module's estimate of one call on one model. */
export type CandidateEstimate = Pick<Estimate, 'maxInputTokens' | 'maxOutputTokens' | 'expectedCostMicros' | 'maxCostMicros'>;

export interface RouteCandidate {
  model: RoutableModel;
  /**
   * The model's estimate, or a function computing it. A function is called only for models
   * that could win: estimating counts the job's tokens in the model's encoding.
   */
  estimate: CandidateEstimate | (() => CandidateEstimate);
  /**
   * A lower bound of the expected cost that needs no token count (pricing's
   * `expectedCostFloor`). With it, a model whose floor is above the cheapest estimated
   * qualified model is not estimated at all — unless a budget limit is known, where a dearer
   * model with a smaller maximum might be the one that fits.
   */
  floorMicros?: number;
  /**
   * The same call through the vendor's batch API (priced at its batch discount), when the job is
   * batch-eligible on this model; the router then weighs (model, mode) pairs.
   */
  batch?: { estimate: CandidateEstimate | (() => CandidateEstimate); floorMicros?: number };
}

/** `sync`: a synchronous request; `batch`: a line of a provider batch (half price, answered within the vendor's window). */
export type CallMode = 'sync' | 'batch';

export interface RouteRequest {
  kind: Kind;
  tier: Tier;
  /** A private job only goes to self-hosted models. */
  private: boolean;
  candidates: RouteCandidate[];
  /** Why a provider cannot take calls now (not configured, cooling down, disabled), or undefined. */
  providerUnavailable: (provider: ProviderId) => string | undefined;
  /**
   * Room left on the tightest hard budget of the job, in micro-dollars; undefined when the job
   * has no hard budget.
   */
  budgetRoomMicros: number | undefined;
  /**
   * Models already tried in this attempt whose answers failed the output check: the next model is
   * the cheapest qualified one not among them, whatever its rating (the tier already says what
   * is good enough; the cheapest model may be the best rated).
   */
  failedModels?: ReadonlyArray<{ modelId: string }>;
  /** Models to skip for other reasons (their window turned out too small, they refused), with the reason. */
  skipModels?: ReadonlyMap<string, string>;
  /**
   * Learned ratings in force (`frugal ratings apply`), by model id and kind; they replace the
   * catalog's rating of that model for that kind. Default: none, the catalog decides.
   */
  learnedRatings?: LearnedRatingsInForce;
}

/** Ratings put in force from eval evidence: model id → kind → rating. */
export type LearnedRatingsInForce = ReadonlyMap<string, Partial<Record<Kind, Rating>>>;

/** The rating the router uses for a model and kind, and whether a learned rating set it. */
export function ratingInForce(model: RoutableModel, kind: Kind, learned: LearnedRatingsInForce | undefined): { rating: Rating; learned: boolean } {
  const rating = learned?.get(model.id)?.[kind];
  return rating === undefined ? { rating: model.ratings[kind], learned: false } : { rating, learned: true };
}

export interface CandidateVerdict {
  modelId: string;
  /** Present for the batch-mode candidate of a model; absent means sync. */
  mode?: 'batch';
  provider: ProviderId;
  /** With `floorOnly`, a lower bound of the expected cost (the model was not estimated). */
  expectedCostMicros: number;
  /** With `floorOnly`, unknown and shown as the floor. */
  maxCostMicros: number;
  /** The model could not win, so its tokens were never counted: the costs are its floor. */
  floorOnly?: true;
  /** Why this candidate lost; undefined for the chosen one. */
  lost?: string;
}

export interface Route {
  /** The chosen model, or undefined when none qualifies. */
  modelId: string | undefined;
  /** How the chosen model is called. */
  mode: CallMode;
  /**
   * Every candidate did qualify but for the budget: the job should wait for budget rather than
   * fail.
   */
  blockedByBudget: boolean;
  /**
   * A learned rating decided the route: the chosen model's rating is a learned one, or a learned
   * rating changed whether some candidate qualifies for the job's tier.
   */
  learnedRating: boolean;
  candidates: CandidateVerdict[];
}

/**
 * Picks the cheapest model (by expected cost) that meets the job's tier for its kind, fits its
 * window, has a provider able to take calls, is allowed for the job, and whose maximum cost fits
 * every hard budget of the job. Ties go to the lower-latency model. Pure: every input is given.
 */
export function route(request: RouteRequest): Route {
  const room = request.budgetRoomMicros;
  type Entry = CandidateVerdict & { latencyMs: number; candidate: RouteCandidate };
  const expanded = request.candidates.flatMap((candidate) =>
    candidate.batch
      ? [{ candidate, mode: undefined }, { candidate: { model: candidate.model, estimate: candidate.batch.estimate, ...(candidate.batch.floorMicros === undefined ? {} : { floorMicros: candidate.batch.floorMicros }) }, mode: 'batch' as const }]
      : [{ candidate, mode: undefined }],
  );
  const entries: Entry[] = expanded.map(({ candidate, mode }) => {
    const known = typeof candidate.estimate === 'function' ? undefined : candidate.estimate;
    const floor = known?.expectedCostMicros ?? candidate.floorMicros ?? 0;
    const lost = disqualifyByRules(request, candidate.model);
    const entry: Entry = {
      modelId: candidate.model.id,
      ...(mode ? { mode } : {}),
      provider: candidate.model.provider,
      expectedCostMicros: known?.expectedCostMicros ?? floor,
      maxCostMicros: known?.maxCostMicros ?? floor,
      // A batch answer takes up to the vendor's window: on a tie, the synchronous call wins.
      latencyMs: mode ? Number.MAX_SAFE_INTEGER : candidate.model.typicalLatencyMs,
      candidate,
      ...(known ? {} : { floorOnly: true as const }),
    };
    return lost === undefined ? entry : { ...entry, lost };
  });

  // Estimate the models that pass the rules, cheapest floor first, until no floor left can beat
  // the cheapest estimate that fits its window.
  const label = (v: CandidateVerdict) => `${v.modelId}${v.mode ? ' (batch)' : ''}`;
  let best = Number.POSITIVE_INFINITY;
  let bestId = '';
  const byFloor = entries.filter((e) => e.lost === undefined).sort((a, b) => a.expectedCostMicros - b.expectedCostMicros);
  for (const entry of byFloor) {
    if (entry.floorOnly && room === undefined && entry.candidate.floorMicros !== undefined && entry.expectedCostMicros > best) {
      entry.lost = `its output alone is expected to cost at least ${formatDollars(entry.expectedCostMicros)}, more than the ${formatDollars(best)} expected on ${bestId}`;
      continue;
    }
    const estimate = typeof entry.candidate.estimate === 'function' ? entry.candidate.estimate() : entry.candidate.estimate;
    entry.expectedCostMicros = estimate.expectedCostMicros;
    entry.maxCostMicros = estimate.maxCostMicros;
    delete entry.floorOnly;
    const needed = estimate.maxInputTokens + estimate.maxOutputTokens;
    if (needed > entry.candidate.model.contextWindow) {
      entry.lost = `it needs up to ${count(needed)} tokens (input and output), more than its ${count(entry.candidate.model.contextWindow)}-token window`;
      continue;
    }
    if (estimate.expectedCostMicros < best) {
      best = estimate.expectedCostMicros;
      bestId = label(entry);
    }
  }

  entries.sort((a, b) => a.expectedCostMicros - b.expectedCostMicros || a.latencyMs - b.latencyMs || a.modelId.localeCompare(b.modelId));
  const qualified = entries.filter((v) => v.lost === undefined);
  const chosen = qualified.find((v) => room === undefined || v.maxCostMicros <= room);
  for (const v of qualified) {
    if (v === chosen) continue;
    v.lost =
      room !== undefined && v.maxCostMicros > room
        ? `its maximum cost of ${formatDollars(v.maxCostMicros)} is more than the ${formatDollars(room)} left on the job's hard budgets`
        : `its expected cost of ${formatDollars(v.expectedCostMicros)} is more than the ${formatDollars(chosen!.expectedCostMicros)} expected on ${label(chosen!)}`;
  }
  const learned = request.learnedRatings;
  const learnedRating =
    learned !== undefined &&
    learned.size > 0 &&
    request.candidates.some((c) => {
      const inForce = ratingInForce(c.model, request.kind, learned);
      if (!inForce.learned) return false;
      return c.model.id === chosen?.modelId || ratingMeetsTier(inForce.rating, request.tier) !== ratingMeetsTier(c.model.ratings[request.kind], request.tier);
    });
  return {
    modelId: chosen?.modelId,
    mode: chosen?.mode ?? 'sync',
    blockedByBudget: chosen === undefined && qualified.length > 0,
    learnedRating,
    candidates: entries.map(({ latencyMs: _latency, candidate: _candidate, ...v }) => v),
  };
}

/** Why a model cannot take the job whatever it costs (the window aside), or undefined. */
function disqualifyByRules(request: RouteRequest, model: RoutableModel): string | undefined {
  const { rating, learned } = ratingInForce(model, request.kind, request.learnedRatings);
  const by = learned ? ' (learned)' : '';
  if (rating === 'none') return `it is not used for ${request.kind}${by}`;
  if (!ratingMeetsTier(rating, request.tier)) return `it is rated ${rating} for ${request.kind}${by}, below the ${request.tier} tier`;
  if (request.failedModels?.some((f) => f.modelId === model.id)) return 'its answer failed the output check in this attempt';
  const skip = request.skipModels?.get(model.id);
  if (skip) return skip;
  if (request.private && model.provider !== 'local') return 'private job: hosted providers are not allowed';
  const unavailable = request.providerUnavailable(model.provider);
  if (unavailable) return unavailable;
  return undefined;
}

const count = (n: number) => n.toLocaleString('en-US');
