import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';

function problem(input: unknown): string {
  try {
    parseJobSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('the job was accepted');
}

const text = 'Card declined twice';

describe('job file validation messages', () => {
  it('rejects an unknown key and names the key meant', () => {
    expect(problem({ kind: 'classify', teir: 'basic', payload: { text, labels: ['a', 'b'] } })).toBe('unknown key "teir" in the job (did you mean "tier"?)');
  });

  it('rejects a misspelt payload field of the job kind', () => {
    expect(problem({ kind: 'classify', payload: { text, lables: ['a', 'b'] } })).toBe('unknown key "lables" in a classify payload (did you mean "labels"?)');
  });

  it('names the known keys when nothing is close', () => {
    expect(problem({ kind: 'summarize', color: 'red', payload: { text } })).toBe('unknown key "color" in the job');
  });

  it.each([
    [{ kind: 'extract', payload: { text, schema: 'x' } }, 'payload.schema must be a JSON object, found the string "x"'],
    [{ kind: 'summarize', priority: 1.5, payload: { text } }, 'priority must be a whole number, found 1.5'],
    [{ kind: 'summarize', private: 'yes', payload: { text } }, 'private must be true or false, found the string "yes"'],
    [{ kind: 'summarize', budgets: 'ops', payload: { text } }, 'budgets must be an array, found the string "ops"'],
    [{ kind: 'summarize', payload: { text: 42 } }, 'payload.text must be a string, found 42'],
    [{ kind: 'summarise', payload: { text } }, 'kind must be one of summarize, extract, classify, report, found the string "summarise"'],
    [{ kind: 'summarize', payload: { text, maxWords: 3 } }, 'payload.maxWords must be at least 10, found 3'],
    [{ kind: 'summarize', payload: 'hello' }, 'payload must be a JSON object, found the string "hello"'],
  ])('reports a wrong-typed field with the expected type and what was found: %j', (input, message) => {
    expect(problem(input)).toBe(message);
  });

  it('still says "is missing" only for a field that is absent', () => {
    expect(problem({ kind: 'summarize', payload: {} })).toBe('payload.text is missing');
  });

  it('rejects a line that is not a JSON object', () => {
    expect(problem([1, 2, 3])).toBe('a job must be a JSON object such as {"kind": "summarize", "payload": {"text": "…"}}, found an array');
  });

  it('rejects a report payload whose data is an array', () => {
    expect(problem({ kind: 'report', payload: { title: 'Orders', data: [1, 2] } })).toBe('payload.data must be a JSON object of named figures, e.g. {"orders": 1200}, found an array');
    expect(parseJobSpec({ kind: 'report', payload: { title: 'Orders', data: { orders: 12 } } }).kind).toBe('report');
  });

  it('never passes the validator\'s own wording through', () => {
    const inputs = [{ kind: 'summarize', priority: '1', payload: { text } }, { kind: 'classify', payload: { text, labels: 'a' } }, { kind: 7 }];
    for (const input of inputs) expect(problem(input)).not.toMatch(/Invalid input|expected .*, received/);
  });
});
