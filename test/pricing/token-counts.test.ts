import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  countRequestTokens,
  MESSAGE_OVERHEAD_TOKENS,
  REPLY_PRIMING_TOKENS,
  SCHEMA_OVERHEAD_TOKENS,
  type EstimateRequest,
} from '../../src/pricing/count-request-tokens.js';
import { builtInModels } from '../../src/pricing/load-catalog.js';
import { countModelTokens, scaleTokens, tokenizerFor } from '../../src/pricing/tokenizer-for.js';
import { countTokens, decodeTokens, encodeTokens } from '../../src/pricing/tokenizer.js';

const GPL3 = '/usr/share/common-licenses/GPL-3';
const models = builtInModels({ localUrl: undefined, localModel: 'llama3.1:8b' });
const model = (id: string) => models.find((m) => m.id === id)!;

describe('token counting', () => {
  it('encodes text with the token ids tiktoken publishes for cl100k_base and o200k_base', () => {
    // The ids OpenAI's cookbook shows for "tiktoken is great!".
    expect([...encodeTokens('tiktoken is great!', 'cl100k_base')]).toEqual([83, 1609, 5963, 374, 2294, 0]);
    expect([...encodeTokens('tiktoken is great!', 'o200k_base')]).toEqual([83, 8251, 2488, 382, 2212, 0]);
    expect([...encodeTokens('hello world', 'cl100k_base')]).toEqual([15339, 1917]);
    expect(decodeTokens(encodeTokens('naïve café ☕', 'o200k_base'), 'o200k_base')).toBe('naïve café ☕');
  });

  it.skipIf(!existsSync(GPL3))('counts the GPL-3 licence as 7,455 cl100k_base tokens, the count Llama 3 gives', () => {
    const text = readFileSync(GPL3, 'utf8');
    expect(countTokens(text, 'cl100k_base')).toBe(7_455);
    expect(countModelTokens(text, model('llama-3.1-8b'))).toBe(7_455);
  });

  it('counts each model with the encoding its catalog entry names', () => {
    expect(tokenizerFor(model('gpt-4o-mini'))).toEqual({ encoding: 'o200k_base', expectedRatio: 1, safeRatio: 1.05 });
    expect(tokenizerFor(model('llama-3.3-70b')).encoding).toBe('cl100k_base');
    expect(tokenizerFor(model('claude-haiku')).encoding).toBe('cl100k_base');
    expect(tokenizerFor(model('claude-haiku')).expectedRatio).toBeGreaterThan(1);
    const text = 'Quarterly revenue rose 12% to $4.1M; see the attached spreadsheet.';
    expect(countModelTokens(text, model('gpt-4o-mini'))).toBe(countTokens(text, 'o200k_base'));
  });

  it('counts a request as its system prompt, messages and schema plus the chat-format overhead', () => {
    const schema = { type: 'object', properties: { label: { type: 'string', enum: ['billing', 'bug'] } }, required: ['label'] };
    const request: EstimateRequest = {
      kind: 'classify',
      system: 'Classify the ticket.',
      messages: [
        { role: 'user', content: 'I was charged twice this month.' },
        { role: 'assistant', content: 'Which card?' },
      ],
      schema,
    };
    const parts = ['Classify the ticket.', 'I was charged twice this month.', 'Which card?', JSON.stringify(schema)];
    const text = parts.reduce((sum, part) => sum + countTokens(part, 'cl100k_base'), 0);
    expect(countRequestTokens(request, 'cl100k_base')).toBe(text + 3 * MESSAGE_OVERHEAD_TOKENS + REPLY_PRIMING_TOKENS + SCHEMA_OVERHEAD_TOKENS);
  });

  it('tokenizes a request once per encoding and reuses the count for later models', () => {
    const messages = [{ role: 'user', content: 'one two three four five' }];
    const request: EstimateRequest = { kind: 'summarize', messages };
    const first = countRequestTokens(request, 'o200k_base');
    // Treating requests as immutable is the contract; changing one shows the count is not redone.
    messages[0]!.content = 'one two three four five six seven eight nine ten eleven twelve';
    expect(countRequestTokens(request, 'o200k_base')).toBe(first);
    expect(countRequestTokens(request, 'cl100k_base')).toBeGreaterThan(first);
  });

  it('scales counts by correction factors rounding up, without floating-point creep', () => {
    expect(scaleTokens(100, 1.2)).toBe(120);
    expect(scaleTokens(101, 1.25)).toBe(127);
    expect(scaleTokens(7_455, 1)).toBe(7_455);
    expect(scaleTokens(3, 1.5)).toBe(5);
  });
});
