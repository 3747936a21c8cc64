import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from '../providers/types.js';

const ajv = new Ajv2020({ allErrors: false, strict: false });
/** Compiling a schema costs far more than validating with it; jobs of a batch share schemas. */
const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 500;

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validate);
  }
  return validate;
}

/** Why `schema` cannot be used, or undefined when it compiles. */
export function schemaProblem(schema: JsonSchema): string | undefined {
  try {
    validatorFor(schema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Why `value` does not follow `schema`, or undefined when it does. */
export function validationProblem(schema: JsonSchema, value: unknown): string | undefined {
  const validate = validatorFor(schema);
  if (validate(value)) return undefined;
  const first = validate.errors?.[0];
  return first ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}` : 'does not match the schema';
}
