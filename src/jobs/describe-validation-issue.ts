import type { z } from 'zod';

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'an array',
  object: 'a JSON object',
  record: 'a JSON object',
};

/** A value as a user would name it in a message: `the string "yes"`, `1.5`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * One validation problem in words, without the validator's own phrasing: the field, what it
 * must be, and what was found (`priority must be a whole number, found 1.5`). `input` is the
 * value that was validated, `prefix` goes before the field's path (`payload.`).
 */
export function describeValidationIssue(issue: z.core.$ZodIssue, input: unknown, prefix = ''): string {
  const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('').replace(/^\./, '');
  const field = `${prefix}${path}`.replace(/\.$/, '') || 'the job';
  const found = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (found === undefined) return `${field} is missing`;
      return `${field} must be ${EXPECTED[issue.expected] ?? issue.expected}, found ${describeValue(found)}`;
    case 'invalid_value':
      // Our enums carry their own "must be one of …" text; the validator's does not read well.
      return `${field} ${issue.message.startsWith('must') ? issue.message : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}, found ${describeValue(found)}`;
    case 'too_small':
    case 'too_big': {
      if (issue.message && !issue.message.startsWith('Too ')) return `${field} ${issue.message}`;
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const what = issue.origin === 'array' ? `${bound} items` : issue.origin === 'string' ? `${bound} characters long` : bound;
      return `${field} must be ${what}, found ${issue.origin === 'array' && Array.isArray(found) ? `${found.length}` : describeValue(found)}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} in ${field}`;
    default:
      return `${field} ${issue.message}`;
  }
}
