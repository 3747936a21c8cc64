import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../src/db/group-committer.js';

describe('group commit', () => {
  it('writes the items that arrive together in one flush and answers each caller', async () => {
    const flushes: number[][] = [];
    const group = new GroupCommitter<number, number>(async (items) => {
      flushes.push(items);
      return items.map((n) => n * 2);
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => group.submit(i)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(flushes).toHaveLength(1);
  });

  it('cuts groups at maxBatch and keeps order', async () => {
    const flushes: number[][] = [];
    const group = new GroupCommitter<number, number>(async (items) => {
      flushes.push(items);
      return items;
    }, { maxBatch: 10, maxInFlight: 1 });
    await Promise.all(Array.from({ length: 35 }, (_, i) => group.submit(i)));
    expect(flushes.map((f) => f.length)).toEqual([10, 10, 10, 5]);
    expect(flushes.flat()).toEqual(Array.from({ length: 35 }, (_, i) => i));
  });

  it('gives every caller of a failed flush the error, and keeps serving later callers', async () => {
    let fail = true;
    const group = new GroupCommitter<number, number>(async (items) => {
      if (fail) throw new Error('connection lost');
      return items;
    });
    const failed = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await group.submit(3)).toBe(3);
  });
});
