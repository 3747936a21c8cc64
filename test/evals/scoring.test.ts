import { describe, expect, it } from 'vitest';
import { learnRatings } from '../../src/evals/learn-ratings.js';
import { normalizeValue, sameValue } from '../../src/evals/normalize-value.js';
import { scoreClassify, scoreExtract, scorePairwise } from '../../src/evals/score-answer.js';
import { wilsonInterval } from '../../src/evals/wilson-interval.js';
import type { Kind, ProviderId, Rating } from '../../src/pricing/types.js';
import { WEAK_SUMMARY, judgeVerdict, qualityDraw } from '../../src/providers/sim/degrade-answer.js';
import { buildJudgePrompt } from '../../src/evals/build-judge-prompt.js';
import { route, type RoutableModel, type RouteRequest } from '../../src/router/route.js';

describe('the Wilson interval', () => {
  it('matches the textbook value and stays inside [0, 1] at the edges', () => {
    const { lower, upper } = wilsonInterval(45, 50);
    expect(lower).toBeCloseTo(0.7864, 3);
    expect(upper).toBeCloseTo(0.9565, 3);
    expect(wilsonInterval(50, 50).upper).toBe(1);
    expect(wilsonInterval(0, 50).lower).toBe(0);
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});

describe('scoring', () => {
  it('compares extract fields after normalizing and ignores optional fields', () => {
    expect(normalizeValue('  Ｃａｆé\n  Latte ')).toBe('café latte');
    expect(sameValue('1,200', 1200)).toBe(true);
    expect(sameValue(['b', 'a', 'a'], ['a', 'b', 'a'])).toBe(true);
    expect(sameValue(['a', 'b'], ['a', 'b', 'b'])).toBe(false);
    const schema = { type: 'object', properties: { city: { type: 'string' }, n: { type: 'integer' }, note: { type: 'string' } }, required: ['city', 'n'] };
    expect(scoreExtract({ city: 'BERLIN ', n: 3, note: 'x' }, { city: 'berlin', n: 3, note: 'y' }, schema)).toMatchObject({ agree: true, fieldAgreement: 1 });
    const miss = scoreExtract({ city: 'Bonn', n: 3 }, { city: 'Berlin', n: 3 }, schema);
    expect(miss).toMatchObject({ agree: false, fieldAgreement: 0.5 });
    expect(miss.reason).toMatch(/1 of 2 required fields differ: city "Bonn" vs reference "Berlin"/);
  });

  it('compares classify labels', () => {
    expect(scoreClassify({ label: 'bug' }, { label: 'bug' }).agree).toBe(true);
    expect(scoreClassify({ label: 'bug' }, { label: 'billing' })).toMatchObject({ agree: false, reason: 'label "bug", reference "billing"' });
  });

  it('counts a judge that flips with the order as agreement, reported as a flip', () => {
    expect(scorePairwise('A', 'B')).toMatchObject({ agree: false, flip: false });
    expect(scorePairwise('B', 'A')).toMatchObject({ agree: true, flip: false });
    expect(scorePairwise('tie', 'tie')).toMatchObject({ agree: true, flip: false });
    expect(scorePairwise('A', 'A')).toMatchObject({ agree: true, flip: true });
    expect(scorePairwise('A', 'tie')).toMatchObject({ agree: true, flip: true });
  });
});

describe('the simulated judge', () => {
  const source = 'The harbour crane failed twice in May. Repairs cost forty thousand euros. A new crane is ordered.';
  it('prefers the summary closer to the source in either order', () => {
    const good = 'The harbour crane failed twice in May.';
    expect(judgeVerdict(buildJudgePrompt('summarize', source, good, WEAK_SUMMARY).messages[0]!.content)).toBe('A');
    expect(judgeVerdict(buildJudgePrompt('summarize', source, WEAK_SUMMARY, good).messages[0]!.content)).toBe('B');
    expect(judgeVerdict(buildJudgePrompt('summarize', source, good, good).messages[0]!.content)).toBe('tie');
  });

  it('decides quality per prompt and seed, not per request', () => {
    expect(qualityDraw(1, 'm', 'label', 'text')).toBe(qualityDraw(1, 'm', 'label', 'text'));
    expect(qualityDraw(1, 'm', 'label', 'text')).not.toBe(qualityDraw(2, 'm', 'label', 'text'));
  });
});

const catalogModel = (id: string, catalogRating: Rating, currentRating: Rating = catalogRating) => ({ id, catalogRating, currentRating });

describe('learned ratings', () => {
  it('promote on the lower bound, demote on the upper bound, and need enough items', () => {
    const out = learnRatings({
      kind: 'classify',
      reference: 'ref',
      models: [catalogModel('ref', 'premium'), catalogModel('good', 'basic'), catalogModel('bad', 'standard'), catalogModel('few', 'basic'), catalogModel('fine', 'standard')],
      evidence: [
        { model: 'ref', items: 0, agreements: 0 },
        { model: 'good', items: 100, agreements: 100 },
        { model: 'bad', items: 100, agreements: 70 },
        { model: 'few', items: 10, agreements: 0 },
        { model: 'fine', items: 100, agreements: 92 },
      ],
    });
    const by = Object.fromEntries(out.map((r) => [r.model, r]));
    expect(by.ref).toMatchObject({ change: 'reference', learnedRating: 'premium' });
    expect(by.good).toMatchObject({ change: 'promote', learnedRating: 'advanced' });
    expect(by.bad).toMatchObject({ change: 'demote', learnedRating: 'none' });
    expect(by.few).toMatchObject({ change: 'insufficient', learnedRating: 'basic' });
    expect(by.fine).toMatchObject({ change: 'keep', learnedRating: 'standard' });
  });

  it('never leave a tier without a model', () => {
    const out = learnRatings({
      kind: 'classify',
      reference: 'ref',
      models: [catalogModel('ref', 'none'), catalogModel('only', 'basic')],
      evidence: [{ model: 'only', items: 200, agreements: 20 }],
    });
    expect(out.find((r) => r.model === 'only')).toMatchObject({ change: 'keep', learnedRating: 'basic' });
    expect(out.find((r) => r.model === 'only')!.reason).toMatch(/only model left for classify at the basic tier/);
  });
});

describe('the router with learned ratings', () => {
  const m = (id: string, provider: ProviderId, rating: Rating): RoutableModel => ({
    id,
    provider,
    contextWindow: 100_000,
    typicalLatencyMs: 500,
    ratings: { summarize: rating, extract: rating, classify: rating, report: rating } satisfies Record<Kind, Rating>,
  });
  const request = (learned?: RouteRequest['learnedRatings']): RouteRequest => ({
    kind: 'classify',
    tier: 'basic',
    private: false,
    candidates: [
      { model: m('small', 'groq', 'basic'), estimate: { maxInputTokens: 10, maxOutputTokens: 10, expectedCostMicros: 1, maxCostMicros: 2 } },
      { model: m('mid', 'openai', 'standard'), estimate: { maxInputTokens: 10, maxOutputTokens: 10, expectedCostMicros: 5, maxCostMicros: 9 } },
    ],
    providerUnavailable: () => undefined,
    budgetRoomMicros: undefined,
    ...(learned ? { learnedRatings: learned } : {}),
  });

  it('uses a learned rating in place of the catalog one and records that it decided', () => {
    expect(route(request())).toMatchObject({ modelId: 'small', learnedRating: false });
    const demoted = route(request(new Map([['small', { classify: 'none' as const }]])));
    expect(demoted).toMatchObject({ modelId: 'mid', learnedRating: true });
    expect(demoted.candidates.find((c) => c.modelId === 'small')?.lost).toBe('it is not used for classify (learned)');
    // A learned rating for another kind changes nothing.
    expect(route(request(new Map([['small', { summarize: 'none' as const }]])))).toMatchObject({ modelId: 'small', learnedRating: false });
  });
});
