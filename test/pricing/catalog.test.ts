import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { CatalogError, UnknownModelError } from '../../src/pricing/catalog-error.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { KINDS, TIERS, ratingMeetsTier } from '../../src/pricing/types.js';

const dir = mkdtempSync(join(tmpdir(), 'frugal-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function catalogFile(content: string, extension = 'yaml'): string {
  const path = join(dir, `catalog-${++files}.${extension}`);
  writeFileSync(path, content);
  return path;
}

function load(env: Record<string, string> = {}) {
  return loadCatalog(loadConfig(env));
}

function errorOf(body: () => unknown): CatalogError {
  try {
    body();
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  throw new Error('expected a CatalogError');
}

describe('built-in catalog', () => {
  it('holds the agreed catalog ids with their providers and provider model ids', () => {
    const entries = load().list().map((m) => [m.id, m.provider, m.providerModelId]);
    expect(entries).toEqual([
      ['llama-3.1-8b', 'groq', 'llama-3.1-8b-instant'],
      ['llama-3.3-70b', 'groq', 'llama-3.3-70b-versatile'],
      ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
      ['claude-haiku', 'anthropic', 'claude-haiku-5-5'],
      ['gemini-flash', 'google', 'gemini-2.5-flash'],
    ]);
  });

  it('records where every price comes from and when it was checked, with prices in whole micro-dollars', () => {
    for (const model of load().list()) {
      expect(model.source).toMatch(/^https:\/\//);
      expect(model.checkedOn).toBe('2026-11-23');
      expect(Number.isSafeInteger(model.inputPerMillionMicros)).toBe(true);
      expect(Number.isSafeInteger(model.outputPerMillionMicros)).toBe(true);
      expect(model.tokenizer.safeRatio).toBeGreaterThanOrEqual(model.tokenizer.expectedRatio);
    }
    expect(load().require('gpt-4o-mini').inputPerMillionMicros).toBe(150_000);
  });

  it('has a model for every kind at every tier, and the agreed rating order', () => {
    const models = load().list();
    for (const kind of KINDS) {
      for (const tier of TIERS) {
        expect(models.filter((m) => ratingMeetsTier(m.ratings[kind], tier)).length, `${kind} at ${tier}`).toBeGreaterThan(0);
      }
    }
    const catalog = load();
    expect(catalog.require('claude-haiku').ratings.extract).toBe('premium');
    expect(catalog.require('gpt-4o-mini').ratings.classify).toBe('advanced');
    expect(catalog.require('llama-3.3-70b').ratings.summarize).toBe('standard');
    expect(catalog.require('llama-3.3-70b').ratings.extract).toBe('basic');
    expect(catalog.require('llama-3.1-8b').ratings.classify).toBe('basic');
    expect(catalog.require('llama-3.1-8b').ratings.extract).toBe('none');
  });

  it('adds the self-hosted model only when FRUGAL_LOCAL_URL is set, free and rated like the model it serves', () => {
    expect(load().get('local-llama')).toBeUndefined();
    const catalog = load({ FRUGAL_LOCAL_URL: 'http://127.0.0.1:11434/v1' });
    const local = catalog.require('local-llama');
    expect(local).toMatchObject({ provider: 'local', providerModelId: 'llama3.1:8b', inputPerMillionMicros: 0, outputPerMillionMicros: 0 });
    expect(local.ratings).toEqual(catalog.require('llama-3.1-8b').ratings);
    const seventy = load({ FRUGAL_LOCAL_URL: 'http://127.0.0.1:11434/v1', FRUGAL_LOCAL_MODEL: 'llama3.3:70b' }).require('local-llama');
    expect(seventy.providerModelId).toBe('llama3.3:70b');
    expect(seventy.ratings).toEqual(catalog.require('llama-3.3-70b').ratings);
  });

  it('finds a model by what its provider calls it', () => {
    const catalog = load();
    expect(catalog.findByProviderModel('anthropic', 'claude-haiku-5-5')?.id).toBe('claude-haiku');
    expect(catalog.findByProviderModel('openai', 'claude-haiku-5-5')).toBeUndefined();
  });

  it('names the known models when asked for an unknown one', () => {
    expect(() => load().require('gpt-5')).toThrow(UnknownModelError);
    expect(() => load().require('gpt-5')).toThrow(/model "gpt-5" is not in the catalog/);
  });
});

describe('catalog override file', () => {
  it('overrides fields of built-in models from YAML, merging nested fields one by one', () => {
    const path = catalogFile(`
models:
  gpt-4o-mini:
    contextWindow: 8000
    maxOutputTokens: 1000
    inputPerMillion: 0.2          # dollars
    rateLimits: { rpm: 10 }
    ratings: { extract: standard }
    cachedInputPerMillion: null   # removes the cached rate
`);
    const catalog = load({ FRUGAL_CATALOG: path });
    const mini = catalog.require('gpt-4o-mini');
    expect(mini).toMatchObject({ contextWindow: 8_000, maxOutputTokens: 1_000, inputPerMillionMicros: 200_000, outputPerMillionMicros: 600_000 });
    expect(mini.rateLimits).toEqual({ rpm: 10, tpm: 200_000 });
    expect(mini.ratings).toEqual({ summarize: 'advanced', extract: 'standard', classify: 'advanced', report: 'advanced' });
    expect(mini.cachedInputPerMillionMicros).toBeUndefined();
    expect(catalog.overridePath).toBe(path);
    // Models the file does not name are untouched.
    expect(catalog.require('claude-haiku')).toEqual(load().require('claude-haiku'));
  });

  it('adds new models from JSON, with defaults for what a new model may leave out', () => {
    const path = catalogFile(
      JSON.stringify({
        models: {
          'gpt-5-mini': {
            provider: 'openai',
            providerModelId: 'gpt-5-mini',
            inputPerMillion: '0.25',
            outputPerMillionMicros: 2_000_000,
            contextWindow: 400_000,
            maxOutputTokens: 128_000,
            tokenizer: { encoding: 'o200k_base' },
            ratings: { classify: 'advanced' },
          },
        },
      }),
      'json',
    );
    const added = load({ FRUGAL_CATALOG: path }).require('gpt-5-mini');
    expect(added).toMatchObject({ provider: 'openai', inputPerMillionMicros: 250_000, outputPerMillionMicros: 2_000_000, batchDiscountPercent: 0, rateLimits: {} });
    expect(added.ratings).toEqual({ summarize: 'none', extract: 'none', classify: 'advanced', report: 'none' });
    expect(added.tokenizer).toEqual({ encoding: 'o200k_base', expectedRatio: 1, safeRatio: 1.25 });
    expect(added.source).toBe(`catalog file ${path}`);
  });

  it('rejects an unknown rating, naming the file, the model and the field', () => {
    const path = catalogFile('models:\n  claude-haiku:\n    ratings: { extract: excellent }\n');
    const error = errorOf(() => load({ FRUGAL_CATALOG: path }));
    expect(error.message).toBe(
      `catalog file ${path}: model "claude-haiku": field "ratings.extract" is "excellent" but must be one of none, basic, standard, advanced, premium`,
    );
    expect(error.code).toBe('CATALOG_INVALID');
    expect(error.hint).toMatch(/FRUGAL_CATALOG/);
  });

  it('rejects a negative price in micro-dollars or in dollars', () => {
    const micros = catalogFile('models:\n  gpt-4o-mini:\n    outputPerMillionMicros: -5\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: micros })).message).toMatch(/model "gpt-4o-mini": field "outputPerMillionMicros" must not be negative \(got -5\)/);
    const dollars = catalogFile('models:\n  gpt-4o-mini:\n    inputPerMillion: -0.15\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: dollars })).message).toMatch(/field "inputPerMillion" must be a non-negative dollar amount/);
  });

  it('names every missing field of a new model', () => {
    const path = catalogFile('models:\n  mistral-small:\n    provider: openai\n    inputPerMillion: 0.1\n');
    const message = errorOf(() => load({ FRUGAL_CATALOG: path })).message;
    expect(message).toMatch(/model "mistral-small": field "providerModelId" is required for a new model/);
    expect(message).toMatch(/field "outputPerMillionMicros" is required for a new model/);
    expect(message).toMatch(/\(and 2 more\)/);
  });

  it('rejects an unknown provider, kind or field', () => {
    const provider = catalogFile('models:\n  gpt-4o-mini:\n    provider: mistral\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: provider })).message).toMatch(/field "provider" is "mistral" but must be one of groq, openai, anthropic, google, local/);
    const kind = catalogFile('models:\n  gpt-4o-mini:\n    ratings: { translate: basic }\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: kind })).message).toMatch(/model "gpt-4o-mini": "ratings" has unknown field "translate"/);
    const field = catalogFile('models:\n  gpt-4o-mini:\n    inputPrice: 0.2\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: field })).message).toMatch(/model "gpt-4o-mini" has unknown field "inputPrice"/);
  });

  it('rejects settings that contradict each other', () => {
    const ratios = catalogFile('models:\n  gpt-4o-mini:\n    tokenizer: { expectedRatio: 2 }\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: ratios })).message).toMatch(/field "tokenizer.safeRatio" \(1.05\) must be at least tokenizer.expectedRatio \(2\)/);
    const window = catalogFile('models:\n  gpt-4o-mini:\n    contextWindow: 1000\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: window })).message).toMatch(/field "maxOutputTokens" \(16384\) must not exceed contextWindow \(1000\)/);
    const twice = catalogFile('models:\n  gpt-4o-mini:\n    inputPerMillion: 0.2\n    inputPerMillionMicros: 200000\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: twice })).message).toMatch(/is given twice/);
  });

  it('reports a missing file and unparseable YAML or JSON', () => {
    expect(errorOf(() => load({ FRUGAL_CATALOG: join(dir, 'absent.yaml') })).message).toMatch(/absent.yaml does not exist/);
    const yaml = catalogFile('models:\n  gpt-4o-mini: [unclosed\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: yaml })).message).toMatch(/is not valid YAML/);
    const json = catalogFile('{"models": ', 'json');
    expect(errorOf(() => load({ FRUGAL_CATALOG: json })).message).toMatch(/is not valid JSON/);
    const shape = catalogFile('gpt-4o-mini:\n  contextWindow: 8000\n');
    expect(errorOf(() => load({ FRUGAL_CATALOG: shape })).message).toMatch(/unknown top-level field "gpt-4o-mini"/);
  });

  it('waits for FRUGAL_LOCAL_URL before applying overrides of the self-hosted model', () => {
    const path = catalogFile('models:\n  local-llama:\n    contextWindow: 8192\n    maxOutputTokens: 2048\n');
    expect(load({ FRUGAL_CATALOG: path }).get('local-llama')).toBeUndefined();
    expect(load({ FRUGAL_CATALOG: path, FRUGAL_LOCAL_URL: 'http://127.0.0.1:11434/v1' }).require('local-llama').contextWindow).toBe(8_192);
  });
});
