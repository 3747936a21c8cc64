import type { JsonSchema } from '../types.js';
import { isPlainObject } from '../parse-json-object.js';

/**
 * True when OpenAI's strict structured-output mode accepts `schema`: every object lists all its
 * properties as required and sets `additionalProperties: false`. Strict mode rejects other
 * schemas with a 400, so the adapter asks for strict only when this holds.
 */
export function isStrictCompatibleSchema(schema: JsonSchema): boolean {
  const visit = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.every(visit);
    if (!isPlainObject(node)) return true;
    const properties = node.properties;
    if (isPlainObject(properties)) {
      const required = Array.isArray(node.required) ? node.required : [];
      if (node.additionalProperties !== false) return false;
      if (!Object.keys(properties).every((key) => required.includes(key))) return false;
    }
    return Object.values(node).every(visit);
  };
  return visit(schema);
}
