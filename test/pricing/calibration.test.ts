import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { ledger } from '../../src/db/schema/budget.js';
import { pricingCalibration } from '../../src/db/schema/pricing.js';
import { MIN_SAMPLES_FOR_LEARNED_SAFE } from '../../src/pricing/calibration.js';
import { CalibrationStore, loadCalibration } from '../../src/pricing/calibration-store.js';
import type { EstimateRequest } from '../../src/pricing/count-request-tokens.js';
import { estimate } from '../../src/pricing/estimate.js';
import { builtInModels } from '../../src/pricing/load-catalog.js';
import { raiseSafeBound, recordObservation, recordObservations } from '../../src/pricing/record-observation.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
const models = builtInModels({ localUrl: undefined, localModel: 'llama3.1:8b' });
const model = (id: string) => models.find((m) => m.id === id)!;

const stores: CalibrationStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) store.stop();
  await env.db.delete(pricingCalibration);
  await env.db.delete(ledger);
});

async function calibration() {
  const store = await loadCalibration(env.db, { refreshMs: 0 });
  stores.push(store);
  return store;
}

const job: EstimateRequest = {
  kind: 'extract',
  system: 'Extract the parties, the dates and the amounts as JSON.',
  messages: [{ role: 'user', content: 'This agreement between Acme Ltd and Globex GmbH starts on 1 March 2026 and costs EUR 12,400 a year. '.repeat(30) }],
  maxOutputTokens: 400,
};

/** Deterministic spread of ±5 % around 1. */
const wobble = (i: number) => 1 + (((i * 37) % 11) - 5) / 100;

describe('calibration', () => {
  it('moves the input estimate toward what the provider reported', async () => {
    const haiku = model('claude-haiku'); // catalog guess: ×1.5; this "provider" counts ×1.2
    const before = estimate(job, haiku, await calibration());
    const raw = before.rawInputTokens;
    const observations = Array.from({ length: 40 }, (_, i) => {
      const estimated = 500 + i * 50;
      return { modelId: 'claude-haiku', estimatedTokens: estimated, reportedTokens: Math.round(estimated * 1.2 * wobble(i)) };
    });
    for (const o of observations) await recordObservation(env.db, o.modelId, o.estimatedTokens, o.reportedTokens);

    const after = estimate(job, haiku, await calibration());
    const truth = raw * 1.2;
    expect(Math.abs(after.inputTokens - truth)).toBeLessThan(Math.abs(before.inputTokens - truth));
    expect(after.inputTokens / truth).toBeGreaterThan(0.97);
    expect(after.inputTokens / truth).toBeLessThan(1.03);
    expect(after.expectedCostMicros).toBeLessThan(before.expectedCostMicros);
    // Other models keep their catalog factors.
    expect(estimate(job, model('llama-3.3-70b'), await calibration()).inputTokens).toBe(estimate(job, model('llama-3.3-70b')).inputTokens);
  });

  it('keeps the safe bound above every observed ratio, and tightens it once enough calls agree', async () => {
    const haiku = model('claude-haiku');
    const ratios: number[] = [];
    for (let i = 0; i < MIN_SAMPLES_FOR_LEARNED_SAFE - 1; i++) {
      const estimated = 1_000 + i;
      const reported = Math.round(estimated * 1.2 * wobble(i));
      ratios.push(reported / estimated);
      await recordObservation(env.db, 'claude-haiku', estimated, reported);
    }
    let e = estimate(job, haiku, await calibration());
    for (const ratio of ratios) expect(e.maxInputTokens).toBeGreaterThanOrEqual(Math.ceil(e.rawInputTokens * ratio));
    // Too few calls to trust: the catalog's safe factor (×2) still holds.
    expect(e.maxInputTokens).toBe(e.rawInputTokens * 2);

    await recordObservation(env.db, 'claude-haiku', 1_000, 1_250);
    ratios.push(1.25);
    e = estimate(job, haiku, await calibration());
    for (const ratio of ratios) expect(e.maxInputTokens).toBeGreaterThanOrEqual(Math.ceil(e.rawInputTokens * ratio));
    expect(e.maxInputTokens).toBeLessThan(e.rawInputTokens * 2);
  });

  it('raises the safe bound at once after a call overran its reservation, and for other processes', async () => {
    const mini = model('gpt-4o-mini');
    const store = await calibration();
    const before = estimate(job, mini, store);
    await raiseSafeBound(env.db, 'gpt-4o-mini', 1.6);
    const now = estimate(job, mini, store);
    expect(now.maxInputTokens).toBeGreaterThanOrEqual(Math.ceil(before.rawInputTokens * 1.6));
    expect(now.maxCostMicros).toBeGreaterThan(before.maxCostMicros);
    // A store loaded afterwards (another worker) sees it too; a lower ratio never lowers it.
    await raiseSafeBound(env.db, 'gpt-4o-mini', 1.3);
    const elsewhere = estimate(job, mini, await calibration());
    expect(elsewhere.maxInputTokens).toBe(now.maxInputTokens);
  });

  it('records a batch of observations for several models in one call', async () => {
    await recordObservations(env.db, [
      { modelId: 'gemini-flash', estimatedTokens: 1_000, reportedTokens: 1_050 },
      { modelId: 'gemini-flash', estimatedTokens: 3_000, reportedTokens: 3_150 },
      { modelId: 'llama-3.1-8b', estimatedTokens: 2_000, reportedTokens: 1_980 },
      { modelId: 'llama-3.1-8b', estimatedTokens: 0, reportedTokens: 12 },
    ]);
    const rows = await env.db.select().from(pricingCalibration).orderBy(pricingCalibration.model);
    expect(rows.map((r) => [r.model, r.samples, r.estimatedTokens, r.reportedTokens, r.maxRatio])).toEqual([
      ['gemini-flash', 2, 4_000, 4_200, 1.05],
      ['llama-3.1-8b', 1, 2_000, 1_980, 0.99],
    ]);
    await recordObservation(env.db, 'llama-3.1-8b', 1_000, 1_000);
    const [llama] = await env.db.select().from(pricingCalibration).where(eq(pricingCalibration.model, 'llama-3.1-8b'));
    // Older observations fade: 2,000 × 0.98 + 1,000.
    expect(llama!.estimatedTokens).toBeCloseTo(2_960, 6);
    expect(llama!.samples).toBe(2);
  });

  it('learns expected output tokens per kind and model from settled ledger rows', async () => {
    const mini = model('gpt-4o-mini');
    const settled = (outputTokens: number, kind = 'extract', status: 'settled' | 'reserved' = 'settled') => ({
      callId: randomUUID(),
      jobId: `job-${randomUUID()}`,
      kind,
      model: 'gpt-4o-mini',
      provider: 'openai',
      reservedMicros: 1_000,
      actOutputTokens: outputTokens,
      status,
      settledAt: status === 'settled' ? new Date() : null,
    });
    await env.db.insert(ledger).values([110, 120, 130, 140].map((n) => settled(n)));
    expect(estimate(job, mini, await calibration()).expectedOutputTokens).toBe(200); // 50 % of 400: too few calls
    await env.db.insert(ledger).values([settled(150), settled(5_000, 'extract', 'reserved'), settled(9, 'classify')]);
    expect(estimate(job, mini, await calibration()).expectedOutputTokens).toBe(130);
  });
});
