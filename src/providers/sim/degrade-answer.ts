import type { JsonSchema } from '../types.js';
import { createPrng, hashString } from './create-prng.js';

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A draw in [0, 1) fixed by the seed, the model and the prompt: the same request to the same model
 * always gets the same quality, whatever else the simulator answered before.
 */
export function qualityDraw(seed: number, model: string, facet: string, source: string): number {
  return createPrng(hashString(`${seed}\u0000${model}\u0000${facet}\u0000${source}`))();
}

/** The enum of a classification schema (`{label: {enum}}`, the only property), or undefined. */
export function labelEnum(schema: JsonSchema): unknown[] | undefined {
  const properties = isNode(schema.properties) ? schema.properties : undefined;
  if (!properties) return undefined;
  const names = Object.keys(properties);
  if (names.length !== 1) return undefined;
  const only = properties[names[0]!];
  return isNode(only) && Array.isArray(only.enum) && only.enum.length > 1 ? only.enum : undefined;
}

/** The judge's schema (see src/evals/build-judge-prompt.ts): `{verdict: {enum: [A, B, tie]}}`. */
export function isJudgeSchema(schema: JsonSchema): boolean {
  const values = labelEnum(schema);
  return values !== undefined && values.length === 3 && ['A', 'B', 'tie'].every((v) => values.includes(v)) && isNode(schema.properties) && 'verdict' in schema.properties;
}

/** The classification answer with another of the offered labels (the next one after the right one). */
export function withWrongLabel(object: unknown, values: unknown[]): unknown {
  if (!isNode(object)) return object;
  const [key] = Object.keys(object);
  if (key === undefined) return object;
  const at = values.indexOf(object[key]);
  return { ...object, [key]: values[(at + 1) % values.length] };
}

/**
 * The extraction answer with one required field wrong: a string gets another text, a number is
 * off by one, a boolean flips, an array loses its first item.
 */
export function withWrongField(object: unknown, schema: JsonSchema, draw: number): unknown {
  if (!isNode(object)) return object;
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string' && k in object) : [];
  const keys = required.length > 0 ? required : Object.keys(object);
  const key = keys[Math.floor(draw * keys.length) % Math.max(1, keys.length)];
  if (key === undefined) return object;
  const value = object[key];
  const property = isNode(schema.properties) && isNode(schema.properties[key]) ? (schema.properties[key] as Node) : {};
  let wrong: unknown;
  if (Array.isArray(property.enum) && property.enum.length > 1) wrong = property.enum[(property.enum.indexOf(value) + 1) % property.enum.length];
  else if (typeof value === 'number') wrong = value + 1;
  else if (typeof value === 'boolean') wrong = !value;
  else if (Array.isArray(value)) wrong = value.length > 1 ? value.slice(1) : [...value, ...value];
  else if (typeof value === 'string') wrong = `Not stated: ${value.split(' ').reverse().join(' ')}`;
  else wrong = value;
  return { ...object, [key]: wrong };
}

/** What a weak model writes instead of a summary: generic words, hardly any taken from the source. */
export const WEAK_SUMMARY = 'This text talks about several things and makes a few general remarks of interest to its readers.';

const SECTION = /^(Source|Answer A|Answer B):\n<<<\n([\s\S]*?)\n>>>$/gm;

/**
 * Answers a judge prompt by preferring the answer closer to the source: the share of its words
 * that occur in the source. A weak summary loses; two answers within 0.05 of each other tie.
 */
export function judgeVerdict(prompt: string): 'A' | 'B' | 'tie' {
  const sections = new Map<string, string>();
  for (const match of prompt.matchAll(SECTION)) sections.set(match[1]!, match[2]!);
  const source = new Set(words(sections.get('Source') ?? ''));
  const closeness = (text: string): number => {
    const list = words(text);
    return list.length === 0 ? 0 : list.filter((w) => source.has(w)).length / list.length;
  };
  const a = closeness(sections.get('Answer A') ?? '');
  const b = closeness(sections.get('Answer B') ?? '');
  if (Math.abs(a - b) < 0.05) return 'tie';
  return a > b ? 'A' : 'B';
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
