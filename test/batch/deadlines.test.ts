import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { parseDeadline } from '../../src/jobs/parse-deadline.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { openProducer } from '../../src/queue/open-producer.js';
import { createIntakeQueue } from '../../src/queue/queues.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
const now = new Date('2026-12-01T10:00:00Z');
const text = 'Quarterly sales rose in the north and fell in the south; the board asked for a plan.';

describe('deadlines', () => {
  it('reads relative durations from now and ISO times as given', () => {
    expect(parseDeadline('24h', now).toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(parseDeadline('2d', now).toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(parseDeadline('90m', now).toISOString()).toBe('2026-12-01T11:30:00.000Z');
    expect(parseDeadline('2026-12-05T08:00:00Z', now).toISOString()).toBe('2026-12-05T08:00:00.000Z');
  });

  it('refuses a deadline that is neither, naming the accepted forms', () => {
    expect(() => parseDeadline('tomorrow', now)).toThrow(/not a duration .* or an ISO time/);
    expect(() => parseJobSpec({ kind: 'summarize', payload: { text }, deadline: 'soon' })).toThrow(/24h, 2d/);
  });

  it('keeps the deadline out of the job id', () => {
    const plain = parseJobSpec({ kind: 'summarize', payload: { text } }, now);
    const dated = parseJobSpec({ kind: 'summarize', payload: { text }, deadline: '2d' }, now);
    expect(dated.deadline).toBe('2026-12-03T10:00:00.000Z');
    expect(jobIdFor(dated)).toBe(jobIdFor(plain));
  });

  it('stores the deadline, tightens it when a duplicate comes with an earlier one and never loosens it', async () => {
    const opened = await openProducer(env.config);
    try {
      const later = parseJobSpec({ kind: 'summarize', payload: { text }, deadline: '2026-12-09T00:00:00Z' });
      const earlier = { ...later, deadline: '2026-12-04T00:00:00.000Z' };
      const latest = { ...later, deadline: '2026-12-20T00:00:00.000Z' };
      const [first] = await opened.producer.enqueue([later]);
      expect(first!.status).toBe('queued');
      expect((await opened.producer.enqueue([earlier]))[0]!.status).toBe('duplicate');
      await opened.producer.enqueue([latest]);
      const { rows } = await env.pool.query<{ deadline: Date }>('select deadline from jobs where job_id = $1', [first!.jobId]);
      expect(rows[0]!.deadline.toISOString()).toBe('2026-12-04T00:00:00.000Z');
      const queue = createIntakeQueue(env.redis, env.prefix);
      const job = await queue.getJob(first!.jobId);
      expect(job!.data.spec.deadline).toBe('2026-12-04T00:00:00.000Z');
      await queue.close();
    } finally {
      await opened.close();
    }
  });

  it('gives a job without a deadline the earliest default deadline of its budgets', async () => {
    await env.pool.query(`insert into budgets (name, limit_micros, period, default_deadline_seconds) values ('nightly', 1000000, 'day', 172800), ('weekly', 1000000, 'day', 604800)`);
    const opened = await openProducer(env.config);
    try {
      const spec = parseJobSpec({ kind: 'summarize', payload: { text: `${text} Again.` }, budgets: ['nightly', 'weekly'] });
      const before = Date.now();
      const [outcome] = await opened.producer.enqueue([spec]);
      const { rows } = await env.pool.query<{ deadline: Date }>('select deadline from jobs where job_id = $1', [outcome!.jobId]);
      const seconds = (rows[0]!.deadline.getTime() - before) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(172_799);
      expect(seconds).toBeLessThan(172_900);
    } finally {
      await opened.close();
    }
  });
});
