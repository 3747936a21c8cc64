import type { JsonSchema } from '../types.js';
import { hashString } from './create-prng.js';
import { splitSentences } from './split-sentences.js';

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

interface Context {
  root: Node;
  source: string;
  sentences: string[];
  /** Lower-cased source, for finding enum values mentioned in it. */
  lower: string;
  /** How many strings were produced so far, so successive strings take successive sentences. */
  strings: number;
}

const MAX_DEPTH = 12;

/** `#/$defs/x`, `#/definitions/x` and other local JSON pointers. */
function resolveRef(root: Node, ref: string): Node | undefined {
  if (!ref.startsWith('#')) return undefined;
  let current: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isNode(current)) return undefined;
    current = current[key];
  }
  return isNode(current) ? current : undefined;
}

/** The schema's type, lower-cased (Gemini's OpenAPI schemas say `STRING`), ignoring `null` in a union. */
function typeOf(node: Node): string | undefined {
  const type = node.type;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  const chosen = types.map((t) => String(t).toLowerCase()).find((t) => t !== 'null') ?? (types.length > 0 ? 'null' : undefined);
  if (chosen) return chosen;
  if (isNode(node.properties)) return 'object';
  if (node.items !== undefined) return 'array';
  return undefined;
}

/**
 * The enum value the source text mentions most (ties and unmentioned values broken by a hash of
 * the source), so a classification answer follows the input deterministically.
 */
function pickEnum(values: unknown[], context: Context): unknown {
  let best: unknown[] = [];
  let bestCount = -1;
  for (const value of values) {
    const needle = String(value).toLowerCase();
    let found = 0;
    if (needle !== '') {
      for (let at = context.lower.indexOf(needle); at !== -1; at = context.lower.indexOf(needle, at + needle.length)) found++;
    }
    if (found > bestCount) {
      best = [value];
      bestCount = found;
    } else if (found === bestCount) {
      best.push(value);
    }
  }
  return best[hashString(context.source) % best.length];
}

const SAMPLE_FORMATS: Record<string, string> = {
  date: '2026-01-15',
  'date-time': '2026-01-15T09:30:00Z',
  time: '09:30:00',
  email: 'someone@example.com',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

function generateString(node: Node, context: Context, key: string | undefined): string {
  const format = typeof node.format === 'string' ? SAMPLE_FORMATS[node.format] : undefined;
  let text: string;
  if (format) {
    text = format;
  } else if (context.sentences.length === 0) {
    text = key ?? 'text';
  } else if (key !== undefined && /summary|description|abstract|overview/i.test(key)) {
    text = context.sentences.slice(0, 2).join(' ');
  } else {
    text = context.sentences[context.strings % context.sentences.length]!;
    context.strings++;
  }
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0;
  const maxLength = typeof node.maxLength === 'number' ? node.maxLength : Infinity;
  while (text.length < minLength) text += ` ${text}`;
  return text.length > maxLength ? text.slice(0, maxLength) : text;
}

function generateNumber(node: Node, integer: boolean): number {
  const low = typeof node.minimum === 'number' ? node.minimum : typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum : undefined;
  const high = typeof node.maximum === 'number' ? node.maximum : typeof node.exclusiveMaximum === 'number' ? node.exclusiveMaximum : undefined;
  let value: number;
  if (low !== undefined && high !== undefined) value = low + (high - low) * 0.75;
  else if (low !== undefined) value = low + 1;
  else if (high !== undefined) value = Math.min(high - 1, 1);
  else value = 1;
  if (integer) {
    value = Math.round(value);
    if (typeof node.exclusiveMinimum === 'number' && value <= node.exclusiveMinimum) value = Math.floor(node.exclusiveMinimum) + 1;
    if (typeof node.exclusiveMaximum === 'number' && value >= node.exclusiveMaximum) value = Math.ceil(node.exclusiveMaximum) - 1;
  }
  return value;
}

function generate(schema: unknown, context: Context, key: string | undefined, depth: number): unknown {
  if (!isNode(schema) || depth > MAX_DEPTH) return null;
  let node = schema;
  if (typeof node.$ref === 'string') {
    const target = resolveRef(context.root, node.$ref);
    if (!target) return null;
    node = { ...target, ...Object.fromEntries(Object.entries(node).filter(([k]) => k !== '$ref')) };
  }
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return pickEnum(node.enum, context);
  for (const union of ['anyOf', 'oneOf'] as const) {
    const options = node[union];
    if (Array.isArray(options) && options.length > 0) {
      const choice = options.find((option) => isNode(option) && typeOf(option) !== 'null') ?? options[0];
      return generate(choice, context, key, depth + 1);
    }
  }
  if (Array.isArray(node.allOf)) {
    const merged: Node = {};
    for (const part of node.allOf) {
      const resolved = isNode(part) && typeof part.$ref === 'string' ? resolveRef(context.root, part.$ref) : part;
      if (!isNode(resolved)) continue;
      Object.assign(merged, resolved, {
        properties: { ...(isNode(merged.properties) ? merged.properties : {}), ...(isNode(resolved.properties) ? resolved.properties : {}) },
        required: [...(Array.isArray(merged.required) ? merged.required : []), ...(Array.isArray(resolved.required) ? resolved.required : [])],
      });
    }
    return generate({ ...merged, ...Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'allOf')) }, context, key, depth + 1);
  }

  switch (typeOf(node)) {
    case 'object': {
      const result: Record<string, unknown> = {};
      const properties = isNode(node.properties) ? node.properties : {};
      for (const [name, property] of Object.entries(properties)) result[name] = generate(property, context, name, depth + 1);
      return result;
    }
    case 'array': {
      const min = typeof node.minItems === 'number' ? node.minItems : 1;
      const max = typeof node.maxItems === 'number' ? node.maxItems : Math.max(min, 3);
      const length = Math.min(max, Math.max(min, Math.min(3, Math.max(1, context.sentences.length))));
      const items = Array.isArray(node.prefixItems) ? node.prefixItems : undefined;
      const values = Array.from({ length }, (_, i) => generate(items?.[i] ?? node.items, context, key, depth + 1));
      if (node.uniqueItems !== true) return values;
      const seen = new Set<string>();
      return values.filter((value) => !seen.has(JSON.stringify(value)) && seen.add(JSON.stringify(value)));
    }
    case 'string':
      return generateString(node, context, key);
    case 'integer':
      return generateNumber(node, true);
    case 'number':
      return generateNumber(node, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return generateString(node, context, key);
  }
}

/**
 * A value that validates against `schema`, made deterministically from `source` (the last user
 * message): every declared property is filled (so `required` holds), strings are sentences of
 * the source, enum values are taken from the schema (the one the source mentions most), numbers
 * sit inside their bounds, arrays respect min/max items. Understands JSON Schema (`$ref` into
 * `$defs`, `anyOf`/`oneOf`/`allOf`, type unions with null) and Gemini's OpenAPI-style schemas.
 */
export function generateObject(schema: JsonSchema, source: string): unknown {
  const context: Context = { root: schema, source, sentences: splitSentences(source), lower: source.toLowerCase(), strings: 0 };
  return generate(schema, context, undefined, 0);
}
