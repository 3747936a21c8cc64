import { describe, expect, it } from 'vitest';
import { enqueue, InputError } from '../../src/index.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();

describe('enqueue() for services', () => {
  it('validates and enqueues jobs, and the same work twice is one job', async () => {
    const job = { kind: 'classify', tier: 'basic', payload: { text: 'Where is my parcel?', labels: ['delivery', 'billing'] } };
    const [first] = await enqueue([job], { config: env.config });
    expect(first).toMatchObject({ status: 'queued' });
    const [second] = await enqueue(job, { config: env.config });
    expect(second).toEqual({ jobId: first!.jobId, status: 'duplicate' });
    const queue = createIntakeQueue(env.redis, env.prefix);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    await queue.close();
  });

  it('treats the same job twice in one call as one job', async () => {
    const job = { kind: 'summarize', tier: 'basic', payload: { text: 'Twice in one batch.' } };
    const outcomes = await enqueue([job, job], { config: env.config });
    expect(outcomes[0]).toEqual(outcomes[1]);
    const { rows } = await env.pool.query<{ n: number }>('select count(*)::int as n from jobs where job_id = $1', [outcomes[0]!.jobId]);
    expect(rows[0]!.n).toBe(1);
  });

  it('adds nothing when one job of the list is bad, and names it', async () => {
    const good = { kind: 'summarize', payload: { text: 'A short note.' } };
    const bad = { kind: 'summarize', tier: 'gold', payload: { text: 'Another note.' } };
    const error = await enqueue([good, bad], { config: env.config }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^job 1: tier must be one of/);
    const { rows } = await env.pool.query<{ n: number }>(`select count(*)::int as n from jobs where payload->>'text' in ('A short note.', 'Another note.')`);
    expect(rows[0]!.n).toBe(0);
  });
});
