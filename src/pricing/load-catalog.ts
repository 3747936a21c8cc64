import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { Catalog } from './catalog.js';
import { CatalogError } from './catalog-error.js';
import type { CatalogModel } from './catalog-model.js';
import { catalogFileSchema, catalogModelSchema, type ModelOverride } from './catalog-schema.js';
import { DEFAULT_MODELS, LOCAL_MODEL_ID, localModelEntry } from './default-catalog.js';
import { KINDS } from './types.js';

export type CatalogConfig = Pick<Config, 'catalogPath' | 'localUrl' | 'localModel'>;

const FILE_HINT = 'fix the file named by FRUGAL_CATALOG (format: README "Pricing catalog"), or unset FRUGAL_CATALOG';

/** Ratio between the safe and the expected tokenizer factor of a new model that names only the latter. */
const NEW_MODEL_SAFE_MARGIN = 1.25;

/**
 * The catalog for `config`: the built-in models, the self-hosted model when FRUGAL_LOCAL_URL is
 * set, and the FRUGAL_CATALOG override file merged on top. Reads the file synchronously: call
 * once at start-up and share the result.
 */
export function loadCatalog(config: CatalogConfig): Catalog {
  if (!config.catalogPath) return new Catalog(builtInModels(config));
  const file = readCatalogFile(config.catalogPath);
  return new Catalog(applyCatalogOverride(builtInModels(config), file, config.catalogPath), config.catalogPath);
}

/** The built-in entries for `config`, without any override file. */
export function builtInModels(config: Pick<Config, 'localUrl' | 'localModel'>): CatalogModel[] {
  const models = [...DEFAULT_MODELS];
  if (config.localUrl) models.push(localModelEntry(config.localModel));
  return models.map(deepFreeze);
}

/** Parses a JSON (`.json`) or YAML (anything else; YAML is a superset of JSON) catalog file. */
export function readCatalogFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new CatalogError(`catalog file ${path} ${problem}`, 'fix FRUGAL_CATALOG or unset it');
  }
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const kind = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    const message = (error as Error).message.split('\n')[0];
    throw new CatalogError(`catalog file ${path} is not valid ${kind}: ${message}`, FILE_HINT);
  }
}

/**
 * Merges a parsed override file onto `base`: fields of existing models are replaced (nested
 * `tokenizer`, `rateLimits`, `ratings` and `longContext` field by field; `null` removes an
 * optional field), unknown ids add new models. Every resulting model is validated; errors name
 * `origin`, the model and the field.
 */
export function applyCatalogOverride(base: readonly CatalogModel[], file: unknown, origin: string): CatalogModel[] {
  if (file === null || typeof file !== 'object' || Array.isArray(file)) {
    throw new CatalogError(`catalog file ${origin} must hold a "models" map, e.g. models: { gpt-4o-mini: { contextWindow: 8000 } }`, FILE_HINT);
  }
  const parsed = catalogFileSchema.safeParse(file);
  if (!parsed.success) throw fileError(origin, parsed.error.issues, file);

  const byId = new Map(base.map((model) => [model.id, model]));
  const added: CatalogModel[] = [];
  const issues: string[] = [];
  for (const [id, override] of Object.entries(parsed.data.models)) {
    const existing = byId.get(id);
    // The self-hosted entry exists only with FRUGAL_LOCAL_URL; its overrides wait for it.
    if (!existing && id === LOCAL_MODEL_ID && !override.provider) continue;
    const merged = mergeModel(existing, id, override, origin);
    const checked = catalogModelSchema.safeParse(merged);
    if (!checked.success) {
      issues.push(...checked.error.issues.map((issue) => describeIssue(issue, merged, id, existing === undefined)));
      continue;
    }
    const model = deepFreeze(checked.data as CatalogModel);
    if (existing) byId.set(id, model);
    else added.push(model);
  }
  if (issues.length > 0) throw listError(origin, issues);

  const models = [...byId.values(), ...added];
  const seen = new Map<string, string>();
  for (const model of models) {
    const key = `${model.provider}/${model.providerModelId}`;
    const other = seen.get(key);
    if (other) issues.push(`model "${model.id}": provider model ${key} is already catalog model "${other}"`);
    seen.set(key, model.id);
  }
  if (issues.length > 0) throw listError(origin, issues);
  return models;
}

const NESTED = new Set(['tokenizer', 'rateLimits', 'ratings', 'longContext', 'thinkingAllowance']);

/** The structured-output mode a new model gets by provider when its entry names none. */
const STRUCTURED_OUTPUT_BY_PROVIDER = { openai: 'json_schema_strict', anthropic: 'json_schema_strict', google: 'json_schema', groq: 'json_object', local: 'none' } as const;

function mergeModel(existing: CatalogModel | undefined, id: string, override: ModelOverride, origin: string): Record<string, unknown> {
  const merged: Record<string, unknown> = existing ? { ...structuredClone(existing) } : newModelDefaults(id, origin);
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    if (value === null) {
      delete merged[key];
    } else if (key === 'reasoning') {
      // Per kind, field by field: `reasoning: { classify: { effort: medium } }` keeps classify's thinking setting.
      const base = (merged.reasoning ?? {}) as Record<string, Record<string, unknown>>;
      const next: Record<string, Record<string, unknown>> = { ...base };
      for (const [kind, fields] of Object.entries(value as Record<string, Record<string, unknown>>)) next[kind] = { ...base[kind], ...fields };
      merged.reasoning = next;
    } else if (NESTED.has(key)) {
      const nested: Record<string, unknown> = { ...(merged[key] as Record<string, unknown> | undefined), ...(value as Record<string, unknown>) };
      for (const [field, fieldValue] of Object.entries(nested)) if (fieldValue === null || fieldValue === undefined) delete nested[field];
      merged[key] = nested;
    } else {
      merged[key] = value;
    }
  }
  const provider = merged.provider as keyof typeof STRUCTURED_OUTPUT_BY_PROVIDER | undefined;
  if (!existing && merged.structuredOutput === undefined && provider !== undefined && provider in STRUCTURED_OUTPUT_BY_PROVIDER) {
    merged.structuredOutput = STRUCTURED_OUTPUT_BY_PROVIDER[provider];
  }
  const tokenizer = merged.tokenizer as { expectedRatio?: number; safeRatio?: number } | undefined;
  if (!existing && tokenizer && tokenizer.safeRatio === undefined && tokenizer.expectedRatio !== undefined) {
    tokenizer.safeRatio = Math.round(tokenizer.expectedRatio * NEW_MODEL_SAFE_MARGIN * 100) / 100;
  }
  return merged;
}

/** What a new model gets when its entry leaves a field out; the rest is required. */
function newModelDefaults(id: string, origin: string): Record<string, unknown> {
  return {
    id,
    batchDiscountPercent: 0,
    tokenizer: { expectedRatio: 1 },
    rateLimits: {},
    ratings: Object.fromEntries(KINDS.map((kind) => [kind, 'none'])),
    typicalLatencyMs: 1_000,
    source: `catalog file ${origin}`,
    checkedOn: new Date().toISOString().slice(0, 10),
  };
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, modelId: string, isNew: boolean): string {
  const value = valueAt(root, issue.path);
  const field = issue.path.join('.');
  const where = `model "${modelId}": field "${field}"`;
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `${where} is required${isNew ? ' for a new model' : ''}`;
      return `${where} must be ${issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`} (got ${JSON.stringify(value)})`;
    case 'invalid_value':
      return `${where} is ${JSON.stringify(value)} but must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') return `${where} must not be empty`;
      return Number(issue.minimum) === 0 ? `${where} must not be negative (got ${JSON.stringify(value)})` : `${where} must be at least ${issue.minimum} (got ${JSON.stringify(value)})`;
    case 'too_big':
      return `${where} must be at most ${issue.maximum} (got ${JSON.stringify(value)})`;
    case 'unrecognized_keys': {
      const inside = field === '' ? `model "${modelId}"` : `model "${modelId}": "${field}"`;
      return `${inside} has unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    default:
      return `${where} ${issue.message}`;
  }
}

/** Issues of the file's shape: paths start with `models.<id>`. */
function fileError(origin: string, issues: readonly z.core.$ZodIssue[], file: unknown): CatalogError {
  const described = issues.map((issue) => {
    const [top, id, ...rest] = issue.path;
    if (issue.code === 'invalid_key') return `model id ${JSON.stringify(id)} is not allowed: ${issue.issues[0]?.message ?? issue.message}`;
    if (top !== 'models' || id === undefined) {
      if (issue.code === 'unrecognized_keys') return `unknown top-level field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (only "models" is allowed)`;
      return 'needs a top-level "models" map, e.g. models: { gpt-4o-mini: { contextWindow: 8000 } }';
    }
    const modelRoot = valueAt(file, ['models', id]);
    return describeIssue({ ...issue, path: rest } as z.core.$ZodIssue, modelRoot, String(id), false);
  });
  return listError(origin, described);
}

function listError(origin: string, issues: readonly string[]): CatalogError {
  const shown = issues.slice(0, 3).join('; ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new CatalogError(`catalog file ${origin}: ${shown}${more}`, FILE_HINT);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}
