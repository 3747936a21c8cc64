import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseCount } from '../../src/cli/parse-options.js';
import { formatDollars, parseDollars } from '../../src/pricing/money.js';

describe('money', () => {
  it('parses dollar text into exact micro-dollars without floating point', () => {
    expect(parseDollars('25')).toBe(25_000_000);
    expect(parseDollars('$1,250.75')).toBe(1_250_750_000);
    expect(parseDollars('0.000125')).toBe(125);
    expect(parseDollars('0.1')).toBe(100_000);
  });

  it('rejects negative, non-numeric and over-precise amounts with a fix', () => {
    for (const bad of ['-5', 'ten', '1.0000001', '', '1e3']) {
      expect(() => parseDollars(bad, '--limit')).toThrow(InputError);
    }
    expect(() => parseDollars('-5', '--limit')).toThrow(/--limit "-5" is not a dollar amount/);
  });

  it('accepts thousands separators only in groups of three, so a decimal comma is never read as thousands', () => {
    expect(parseDollars('1,000')).toBe(1_000_000_000);
    expect(parseDollars('1_000')).toBe(1_000_000_000);
    expect(parseDollars('12,345,678.5')).toBe(12_345_678_500_000);
    expect(() => parseDollars('1,5', '--limit')).toThrow(/--limit "1,5" has a decimal comma/);
    expect(() => parseDollars('1,50', '--limit')).toThrow(InputError);
    try {
      parseDollars('1,50', '--limit');
    } catch (error) {
      expect((error as InputError).hint).toMatch(/use a dot for decimals, e.g. 1\.50/);
    }
    for (const bad of ['1_0', '10_00', '1,0000', '1,000_000', ',5', '1,,000']) {
      expect(() => parseDollars(bad, '--limit'), bad).toThrow(InputError);
    }
  });

  it('rejects a dot with no digits after it, as it rejects one with none before', () => {
    expect(() => parseDollars('5.', '--limit')).toThrow(/--limit "5\." is not a dollar amount/);
    expect(() => parseDollars('.5', '--limit')).toThrow(InputError);
  });

  it('reads counts with separators only in groups of three', () => {
    expect(parseCount('1,000', '--limit')).toBe(1_000);
    expect(parseCount('20', '--limit')).toBe(20);
    expect(() => parseCount('1,5', '--limit')).toThrow(/--limit "1,5" is not a whole number/);
    expect(() => parseCount('1_0', '--limit')).toThrow(InputError);
  });

  it('shows cents, and sub-cent amounts precisely', () => {
    expect(formatDollars(25_000_000)).toBe('$25.00');
    expect(formatDollars(1_234_567_890)).toBe('$1,234.57');
    expect(formatDollars(125)).toBe('$0.000125');
    expect(formatDollars(5_000)).toBe('$0.005');
    expect(formatDollars(0)).toBe('$0.00');
    expect(formatDollars(9_995_000)).toBe('$10.00');
    expect(formatDollars(-2_500_000)).toBe('-$2.50');
  });
});
