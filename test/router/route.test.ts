import { describe, expect, it } from 'vitest';
import type { Kind, ProviderId, Rating } from '../../src/pricing/types.js';
import { route, type CandidateEstimate, type RouteCandidate, type RouteRequest, type RoutableModel } from '../../src/router/route.js';

function model(id: string, provider: ProviderId, rating: Rating, contextWindow = 100_000, latencyMs = 500): RoutableModel {
  const ratings = { summarize: rating, extract: rating, classify: rating, report: rating } satisfies Record<Kind, Rating>;
  return { id, provider, contextWindow, ratings, typicalLatencyMs: latencyMs };
}

const models = {
  small: model('small', 'groq', 'basic'),
  mid: model('mid', 'groq', 'standard'),
  mini: model('mini', 'openai', 'advanced'),
  haiku: model('haiku', 'anthropic', 'premium'),
  local: model('local', 'local', 'basic'),
};

function request(overrides: Partial<RouteRequest> = {}): RouteRequest {
  const costs: Record<string, [number, number]> = { small: [10, 20], mid: [100, 200], mini: [150, 300], haiku: [800, 1_600], local: [0, 0] };
  return {
    kind: 'summarize',
    tier: 'standard',
    private: false,
    candidates: Object.values(models).map((m) => ({
      model: m,
      estimate: { maxInputTokens: 1_000, maxOutputTokens: 200, expectedCostMicros: costs[m.id]![0], maxCostMicros: costs[m.id]![1] },
    })),
    providerUnavailable: () => undefined,
    budgetRoomMicros: undefined,
    ...overrides,
  };
}

describe('the router', () => {
  it('picks the cheapest model that meets the tier and says why the others lost', () => {
    const result = route(request());
    expect(result.modelId).toBe('mid');
    const lost = Object.fromEntries(result.candidates.map((c) => [c.modelId, c.lost]));
    expect(lost.small).toMatch(/rated basic for summarize, below the standard tier/);
    expect(lost.local).toMatch(/below the standard tier/);
    expect(lost.mini).toMatch(/^its expected cost of \$[\d.]+ is more than the \$[\d.]+ expected on mid$/);
    expect(Object.values(lost).join(' ')).not.toContain('µ$');
    expect(lost.mid).toBeUndefined();
  });

  it('skips models whose window cannot hold input plus output', () => {
    const candidates = request().candidates.map((c) => (c.model.id === 'mid' ? { ...c, model: { ...c.model, contextWindow: 1_100 } } : c));
    const result = route(request({ candidates }));
    expect(result.modelId).toBe('mini');
    expect(result.candidates.find((c) => c.modelId === 'mid')?.lost).toBe('it needs up to 1,200 tokens (input and output), more than its 1,100-token window');
  });

  it('falls back when a provider is cooling down', () => {
    const result = route(request({ providerUnavailable: (p) => (p === 'groq' ? 'groq is cooling down' : undefined) }));
    expect(result.modelId).toBe('mini');
  });

  it('sends a private job only to a self-hosted model', () => {
    expect(route(request({ private: true, tier: 'basic' })).modelId).toBe('local');
    const none = route(request({ private: true, tier: 'standard' }));
    expect(none.modelId).toBeUndefined();
    expect(none.blockedByBudget).toBe(false);
    expect(none.candidates.find((c) => c.modelId === 'mini')?.lost).toMatch(/private job/);
  });

  it('chooses the cheapest model whose maximum cost fits the hard budgets, and reports a budget block', () => {
    expect(route(request({ budgetRoomMicros: 150 })).modelId).toBeUndefined();
    expect(route(request({ budgetRoomMicros: 150 })).blockedByBudget).toBe(true);
    expect(route(request({ budgetRoomMicros: 250, tier: 'advanced' })).blockedByBudget).toBe(true);
    expect(route(request({ budgetRoomMicros: 300, tier: 'advanced' })).modelId).toBe('mini');
    const blocked = route(request({ budgetRoomMicros: 150 })).candidates.find((c) => c.modelId === 'mid');
    expect(blocked?.lost).toMatch(/^its maximum cost of \$[\d.]+ is more than the \$0\.00015 left on the job's hard budgets$/);
  });

  it('after a failed check goes to the next cheapest qualified model that has not failed, whatever its rating', () => {
    const result = route(request({ failedModels: [{ modelId: 'mid' }] }));
    expect(result.modelId).toBe('mini');
    expect(result.candidates.find((c) => c.modelId === 'mid')?.lost).toBe('its answer failed the output check in this attempt');
    const again = route(request({ failedModels: [{ modelId: 'mid' }, { modelId: 'mini' }] }));
    expect(again.modelId).toBe('haiku');
    // The cheapest model is also the best rated: when it fails, a lower-rated qualified one follows.
    const costs: Record<string, number> = { small: 10, mid: 300, mini: 200, haiku: 100, local: 0 };
    const premiumFirst = request().candidates.map((c) => ({ ...c, estimate: { ...(c.estimate as CandidateEstimate), expectedCostMicros: costs[c.model.id]! } }));
    expect(route(request({ candidates: premiumFirst })).modelId).toBe('haiku');
    expect(route(request({ candidates: premiumFirst, failedModels: [{ modelId: 'haiku' }] })).modelId).toBe('mini');
  });

  it('passes over skipped models with their reason, and chooses none when every qualified model is skipped or failed', () => {
    const refused = 'refused by the vendor\'s safety classifier';
    const result = route(request({ skipModels: new Map([['mid', refused]]) }));
    expect(result.modelId).toBe('mini');
    expect(result.candidates.find((c) => c.modelId === 'mid')?.lost).toBe(refused);
    const none = route(request({ skipModels: new Map([['mid', refused], ['haiku', refused]]), failedModels: [{ modelId: 'mini' }] }));
    expect(none.modelId).toBeUndefined();
    expect(none.blockedByBudget).toBe(false);
  });

  it('breaks a cost tie with the lower-latency model', () => {
    const candidates = [
      { model: model('slow', 'groq', 'standard', 100_000, 900), estimate: { maxInputTokens: 10, maxOutputTokens: 10, expectedCostMicros: 5, maxCostMicros: 9 } },
      { model: model('fast', 'openai', 'standard', 100_000, 300), estimate: { maxInputTokens: 10, maxOutputTokens: 10, expectedCostMicros: 5, maxCostMicros: 9 } },
    ];
    expect(route(request({ candidates })).modelId).toBe('fast');
  });

  /** The default candidates with estimates computed on demand (recorded in `estimated`) and cost floors. */
  function lazyCandidates(estimated: string[], floors: Record<string, number>): RouteCandidate[] {
    return request().candidates.map((c) => {
      const eager = c.estimate as CandidateEstimate;
      return {
        model: c.model,
        estimate: () => {
          estimated.push(c.model.id);
          return eager;
        },
        floorMicros: floors[c.model.id] ?? 1,
      };
    });
  }

  it('never counts tokens for a model whose cost floor is above the cheapest estimate', () => {
    const estimated: string[] = [];
    const result = route(request({ candidates: lazyCandidates(estimated, { haiku: 500 }) }));
    expect(result.modelId).toBe('mid');
    expect(estimated).not.toContain('haiku');
    expect(result.candidates.find((c) => c.modelId === 'haiku')).toMatchObject({
      floorOnly: true,
      expectedCostMicros: 500,
      lost: expect.stringMatching(/^its output alone is expected to cost at least \$0\.0005, more than the \$[\d.]+ expected on mid$/),
    });
    // Models the rules rule out are never estimated either.
    expect(estimated).not.toContain('small');
  });

  it('estimates every qualified model when a budget limit is known, since a dearer one may fit', () => {
    const estimated: string[] = [];
    route(request({ candidates: lazyCandidates(estimated, { haiku: 500 }), budgetRoomMicros: 10_000 }));
    expect(estimated).toContain('haiku');
  });
});
