import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { splitDocument } from '../../src/jobs/split-document.js';
import { NO_CALIBRATION } from '../../src/pricing/calibration.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { countTokens } from '../../src/pricing/tokenizer.js';
import { forecast } from '../../src/router/forecast.js';
import { forecastJob, whyNoModel } from '../../src/router/forecast-job.js';

const catalog = loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' });
const hostedOnly = (p: string) => (p === 'local' ? 'FRUGAL_LOCAL_URL is not set' : undefined);

function document(tokens: number): string {
  const paragraphs: string[] = [];
  let text = '';
  for (let i = 0; countTokens(text, 'cl100k_base') < tokens; i++) {
    for (let k = 0; k < 50; k++, i++) paragraphs.push(`Clause ${i}: the licensee may copy, modify and distribute the work ${i % 13} times, provided notice ${i} is kept.`);
    text = paragraphs.join('\n\n');
  }
  return text;
}

describe('the forecast of a job', () => {
  it('prices a long document as its chunks plus the reduce calls over their summaries, as the worker splits it', () => {
    const text = document(40_000);
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text } });
    const f = forecastJob(spec, catalog, NO_CALIBRATION, hostedOnly, { chunkTokens: 12_000 });
    expect(f.noModel).toBeUndefined();
    expect(f.chunks).toBe(splitDocument(text, 12_000, 'cl100k_base').length);
    expect(f.chunks).toBeGreaterThanOrEqual(4);
    expect(f.reduceCalls).toBeGreaterThanOrEqual(1);
    expect(f.calls).toBe(f.chunks! + f.reduceCalls!);
    // Every chunk is a call of its own: the forecast is at least the chunks' cost, well above zero.
    const chunkStep = f.steps.filter((s) => s.role === 'chunk');
    expect(chunkStep.reduce((n, s) => n + s.calls, 0)).toBe(f.chunks);
    expect(f.steps.at(-1)).toMatchObject({ role: 'combine', calls: 1 });
    expect(f.expectedCostMicros).toBe(f.steps.reduce((n, s) => n + s.expectedCostMicros, 0));
    expect(f.maxCostMicros).toBeGreaterThan(f.expectedCostMicros);
    expect(f.expectedCostMicros).toBeGreaterThan(0);
  });

  it('reduces in more than one level when the chunk summaries do not fit one call together', () => {
    const text = document(30_000);
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text, maxWords: 400 } });
    const f = forecastJob(spec, catalog, NO_CALIBRATION, hostedOnly, { chunkTokens: 1_500 });
    expect(f.steps.some((s) => s.role === 'reduce')).toBe(true);
    expect(f.reduceCalls!).toBeGreaterThan(1);
  });

  it('prices a short job as the single call the router would choose', () => {
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'The depot opened on Monday. Deliveries resumed at noon.' } });
    const single = forecast(spec, catalog, NO_CALIBRATION, hostedOnly);
    const f = forecastJob(spec, catalog, NO_CALIBRATION, hostedOnly);
    expect(f).toMatchObject({ model: single.chosen!.model.id, calls: 1, expectedCostMicros: single.chosen!.estimate.expectedCostMicros, maxCostMicros: single.chosen!.estimate.maxCostMicros });
    expect(f.chunks).toBeUndefined();
  });

  it('says no model qualifies, with each model\'s reason, for a private job without a self-hosted model', () => {
    const spec = parseJobSpec({ kind: 'summarize', tier: 'basic', private: true, payload: { text: 'Salary review for J. Doe.' } });
    const why = whyNoModel(spec, catalog, hostedOnly);
    expect(why).toMatch(/^no model qualifies: /);
    expect(why).toContain('private job: hosted providers are not allowed');
    expect(why).toContain('set FRUGAL_LOCAL_URL');
    expect(forecastJob(spec, catalog, NO_CALIBRATION, hostedOnly).noModel).toMatch(/^no model qualifies: .*set FRUGAL_LOCAL_URL/);
    // A tier the local model is not rated for is refused too, even with the local model configured.
    const premium = parseJobSpec({ kind: 'summarize', tier: 'premium', private: true, payload: { text: 'Salary review for J. Doe.' } });
    const withLocal = loadCatalog({ catalogPath: undefined, localUrl: 'http://127.0.0.1:11434/v1', localModel: 'llama3.1:8b' });
    expect(whyNoModel(premium, withLocal, () => undefined)).toMatch(/local-llama: it is rated \w+ for summarize, below the premium tier/);
    expect(whyNoModel(parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'x' } }), catalog, hostedOnly)).toBeUndefined();
  });
});
