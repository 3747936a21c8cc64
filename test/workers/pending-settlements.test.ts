import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PendingSettlements } from '../../src/workers/pending-settlements.js';
import { SettlementAbandonedError } from '../../src/workers/settlement-abandoned-error.js';

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('pending settlements', () => {
  it('keeps a write pending while Postgres is unreachable and writes it exactly once when it answers', async () => {
    const { logger, lines } = capture();
    const pending = new PendingSettlements({ staleMs: 60_000, firstBackoffMs: 5, logger });
    let tries = 0;
    let written = 0;
    const what = { jobId: 'job-1', callId: 'call-1', costMicros: 42, reservedAt: Date.now() };
    const result = pending.keep(what, async () => {
      tries++;
      if (tries < 4) throw unreachable();
      written++;
      return 'settled';
    });
    await expect(result).resolves.toBe('settled');
    expect({ tries, written, left: pending.size }).toEqual({ tries: 4, written: 1, left: 0 });
    expect(lines.map((l) => l.msg)).toEqual(['Postgres unreachable after the provider answered: keeping the settlement pending', 'pending settlement written']);
  });

  it('lists what is pending, for the shutdown log', async () => {
    const { logger } = capture();
    const pending = new PendingSettlements({ staleMs: 60_000, firstBackoffMs: 5, logger });
    let open = true;
    const kept = pending.keep({ jobId: 'job-2', callId: 'call-2', costMicros: 7, reservedAt: Date.now() }, async () => {
      if (open) throw unreachable();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending.list()).toMatchObject([{ jobId: 'job-2', callId: 'call-2', costMicros: 7, lastError: expect.stringContaining('ECONNREFUSED') }]);
    open = false;
    await kept;
    expect(pending.list()).toEqual([]);
  });

  it('throws other errors at once, without retrying', async () => {
    const { logger } = capture();
    const pending = new PendingSettlements({ staleMs: 60_000, firstBackoffMs: 5, logger });
    let tries = 0;
    const bad = new Error('no reservation for call');
    await expect(pending.keep({ jobId: 'j', callId: 'c', costMicros: 1, reservedAt: Date.now() }, async () => {
      tries++;
      throw bad;
    })).rejects.toBe(bad);
    expect(tries).toBe(1);
  });

  it('gives up before the reservation turns stale, so the write never races the stale close', async () => {
    const { logger, lines } = capture();
    const pending = new PendingSettlements({ staleMs: 1_200, firstBackoffMs: 20, maxBackoffMs: 40, logger });
    const started = Date.now();
    await expect(pending.keep({ jobId: 'job-3', callId: 'call-3', costMicros: 9, reservedAt: started }, async () => {
      throw unreachable();
    })).rejects.toBeInstanceOf(SettlementAbandonedError);
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(pending.size).toBe(0);
    expect(lines.at(-1)).toMatchObject({ level: 50, callId: 'call-3', msg: expect.stringContaining('abandoned') });
  });
});
