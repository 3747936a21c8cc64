import { describe, expect, it } from 'vitest';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();

describe('test harness', () => {
  it('gives each file its own migrated database and BullMQ prefix', async () => {
    const { rows } = await env.pool.query<{ n: string }>('select count(*) as n from budgets');
    expect(Number(rows[0]!.n)).toBe(0);
    expect(env.prefix).toMatch(/^frugal-test-/);
    expect(env.config.databaseUrl).toBe(env.databaseUrl);
    expect(await env.redis.ping()).toBe('PONG');
  });
});
