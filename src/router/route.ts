import type { CatalogModel } from '../pricing/catalog-model.js';
import type { Estimate } from '../pricing/estimate.js';
import { RATINGS, ratingMeetsTier, type Kind, type ProviderId, type Rating, type Tier } from '../pricing/types.js';

/** What the router needs to know of a catalog model. */
export type RoutableModel = Pick<CatalogModel, 'id' | 'provider' | 'contextWindow' | 'ratings' | 'typicalLatencyMs'>;

/** What the router needs of the pricing module's estimate of one call on one model. */
export type CandidateEstimate = Pick<Estimate, 'maxInputTokens' | 'maxOutputTokens' | 'expectedCostMicros' | 'maxCostMicros'>;

export interface RouteRequest {
  kind: Kind;
  tier: Tier;
  /** A private job only goes to self-hosted models. */
  private: boolean;
  candidates: Array<{ model: RoutableModel; estimate: CandidateEstimate }>;
  /** Why a provider cannot take calls now (not configured, cooling down, disabled), or undefined. */
  providerUnavailable: (provider: ProviderId) => string | undefined;
  /**
   * Room left on the tightest hard budget of the job, in micro-dollars; undefined when the job
   * has no hard budget.
   */
  budgetRoomMicros: number | undefined;
  /**
   * Models already tried in this attempt whose answers failed the output check: the next model
   * must be rated higher than the best of them (a cascade).
   */
  failedModels?: ReadonlyArray<{ modelId: string; rating: Rating }>;
  /** Models to skip for other reasons (their context window turned out too small). */
  skipModels?: ReadonlyMap<string, string>;
}

export interface CandidateVerdict {
  modelId: string;
  provider: ProviderId;
  expectedCostMicros: number;
  maxCostMicros: number;
  /** Why this candidate lost; undefined for the chosen one. */
  lost?: string;
}

export interface Route {
  /** The chosen model, or undefined when none qualifies. */
  modelId: string | undefined;
  /**
   * Every candidate did qualify but for the budget: the job should wait for budget rather than
   * fail.
   */
  blockedByBudget: boolean;
  candidates: CandidateVerdict[];
}

/**
 * Picks the cheapest model (by expected cost) that meets the job's tier for its kind, fits its
 * window, has a provider able to take calls, is allowed for the job, and whose maximum cost fits
 * every hard budget of the job. Ties go to the lower-latency model. Pure: every input is given.
 */
export function route(request: RouteRequest): Route {
  const bar = escalationBar(request.failedModels);
  const verdicts: Array<CandidateVerdict & { latencyMs: number }> = [];
  for (const { model, estimate } of request.candidates) {
    const verdict = {
      modelId: model.id,
      provider: model.provider,
      expectedCostMicros: estimate.expectedCostMicros,
      maxCostMicros: estimate.maxCostMicros,
      latencyMs: model.typicalLatencyMs,
    };
    const lost = disqualify(request, model, estimate, bar);
    verdicts.push(lost === undefined ? verdict : { ...verdict, lost });
  }
  verdicts.sort((a, b) => a.expectedCostMicros - b.expectedCostMicros || a.latencyMs - b.latencyMs || a.modelId.localeCompare(b.modelId));

  const qualified = verdicts.filter((v) => v.lost === undefined);
  const room = request.budgetRoomMicros;
  const chosen = qualified.find((v) => room === undefined || v.maxCostMicros <= room);
  for (const v of qualified) {
    if (v === chosen) continue;
    v.lost =
      room !== undefined && v.maxCostMicros > room
        ? `maximum cost ${v.maxCostMicros} µ$ exceeds the ${room} µ$ left on the job's hard budgets`
        : `expected cost ${v.expectedCostMicros} µ$ is above the chosen model's`;
  }
  return {
    modelId: chosen?.modelId,
    blockedByBudget: chosen === undefined && qualified.length > 0,
    candidates: verdicts.map(({ latencyMs: _latency, ...v }) => v),
  };
}

function disqualify(request: RouteRequest, model: RoutableModel, estimate: CandidateEstimate, bar: Rating | undefined): string | undefined {
  const rating = model.ratings[request.kind];
  if (rating === 'none') return `not used for ${request.kind}`;
  if (!ratingMeetsTier(rating, request.tier)) return `rated ${rating} for ${request.kind}, below the ${request.tier} tier`;
  if (bar !== undefined && RATINGS.indexOf(rating) <= RATINGS.indexOf(bar)) {
    return `rated ${rating}, not above ${bar} after a failed output check`;
  }
  if (request.failedModels?.some((f) => f.modelId === model.id)) return 'its answer failed the output check';
  const skip = request.skipModels?.get(model.id);
  if (skip) return skip;
  const needed = estimate.maxInputTokens + estimate.maxOutputTokens;
  if (needed > model.contextWindow) return `needs ${needed} tokens, window is ${model.contextWindow}`;
  if (request.private && model.provider !== 'local') return 'private job: hosted providers are not allowed';
  const unavailable = request.providerUnavailable(model.provider);
  if (unavailable) return unavailable;
  return undefined;
}

function escalationBar(failed: RouteRequest['failedModels']): Rating | undefined {
  if (!failed?.length) return undefined;
  return failed.reduce<Rating>((best, f) => (RATINGS.indexOf(f.rating) > RATINGS.indexOf(best) ? f.rating : best), 'none');
}
