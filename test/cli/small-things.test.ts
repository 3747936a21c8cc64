import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { useTestEnv } from '../support/env.js';

const run = promisify(execFile);
const env = useTestEnv();
let folder: string;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function frugal(args: string[]): Promise<Outcome> {
  const vars = { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'silent', NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/frugal.js', ...args], { env: vars, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as Outcome & { killed?: boolean };
    if (e.killed) throw new Error(`frugal ${args.join(' ')} did not exit within 30 s`);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

beforeAll(async () => {
  await new BudgetStore(env.pool).set({ name: 'ops', limitMicros: 1_000_000, period: 'day' });
  folder = mkdtempSync(join(tmpdir(), 'frugal-small-'));
  mkdirSync(join(folder, 'docs'));
  for (const name of ['a', 'b', 'c']) writeFileSync(join(folder, 'docs', `${name}.txt`), `Document ${name} reports that the depot reopened.`);
  writeFileSync(join(folder, 'blank.txt'), '  \n\t\n');
  writeFileSync(join(folder, 'zero.txt'), '');
  execFileSync('mkfifo', [join(folder, 'pipe')]);
});

describe('the smaller input and output problems', () => {
  it('refuses an alert id that is not a number instead of echoing NaN', async () => {
    const out = await frugal(['alerts', 'ack', 'abc']);
    expect(out.code).toBe(1);
    expect(lines(out.stderr)).toEqual(['frugal: alert id "abc" is not a number — give the ID column of `frugal alerts`, e.g. frugal alerts ack 12']);
    expect(out.stdout + out.stderr).not.toContain('NaN');
  });

  it('reports an invalid --budget once, before reading any file', async () => {
    const out = await frugal(['enqueue', 'summarize', join(folder, 'docs'), '--budget', 'my budget', '--dry-run']);
    expect(out.code).toBe(1);
    expect(lines(out.stderr)).toEqual(['frugal: budget name "my budget" is not valid — use 1 to 64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit']);
  });

  it('reports a missing --budget once, with a command that works', async () => {
    const out = await frugal(['enqueue', 'summarize', join(folder, 'docs'), '--budget', 'nightly', '--dry-run']);
    expect(out.code).toBe(1);
    expect(lines(out.stderr)).toEqual(['frugal: budget "nightly" does not exist — create it first: frugal budget set nightly --limit 10 --period day']);
    const created = await frugal(['budget', 'set', 'nightly', '--limit', '10', '--period', 'day']);
    expect(created.code).toBe(0);
    await frugal(['budget', 'delete', 'nightly']);
  });

  it('refuses to delete a budget a report schedule charges, and deletes it once the schedule is gone', async () => {
    await new BudgetStore(env.pool).set({ name: 'reports', limitMicros: 100_000, period: 'day' });
    expect((await frugal(['schedule', 'report', '--name', 'nightly-report', '--cron', '0 2 * * *', '--tz', 'UTC', '--budget', 'reports'])).code).toBe(0);
    const refused = await frugal(['budget', 'delete', 'reports']);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toMatch(/budget reports is charged by report schedule nightly-report — remove the schedule first \(frugal schedule remove nightly-report\)/);
    expect(await new BudgetStore(env.pool).status('reports')).toMatchObject({ name: 'reports' });
    expect((await frugal(['schedule', 'remove', 'nightly-report'])).code).toBe(0);
    const deleted = await frugal(['budget', 'delete', 'reports']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it('refuses a close-stale age shorter than a worker lock and accepts days, like results prune', async () => {
    const zero = await frugal(['budget', 'close-stale', '--older-than', '0s']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--older-than "0s" must be longer than zero|--older-than 0s would close reservations of calls still running/);
    const short = await frugal(['budget', 'close-stale', '--older-than', '10s']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/--older-than 10s would close reservations of calls still running — give at least 30s/);
    const day = await frugal(['budget', 'close-stale', '--older-than', '1d', '--json']);
    expect(day.code, day.stderr).toBe(0);
    expect(JSON.parse(day.stdout)).toMatchObject({ closed: 0 });
  });

  it('refuses a named pipe given as a document instead of waiting on it forever', async () => {
    const out = await frugal(['enqueue', 'summarize', join(folder, 'pipe'), '--dry-run', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).errors).toEqual([
      { source: join(folder, 'pipe'), error: `is a named pipe, not a regular file (to read a stream, pipe it to standard input: cat ${join(folder, 'pipe')} | frugal enqueue summarize -)` },
    ]);
    const file = await frugal(['enqueue', '--file', join(folder, 'pipe')]);
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/job file .*pipe is not a regular file/);
  });

  it('says "nothing to change" for budget set without a field, and "unchanged" when the values are the same', async () => {
    const none = await frugal(['budget', 'set', 'ops']);
    expect(none.code).toBe(1);
    expect(lines(none.stderr)).toEqual(['frugal: budget set ops: nothing to change — give --limit, --period, --tz, --soft or --hard, --alerts or --scope (`frugal budget show ops` shows it)']);
    const same = await frugal(['budget', 'set', 'ops', '--limit', '1']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^unchanged budget ops:/);
    const changed = await frugal(['budget', 'set', 'ops', '--limit', '2']);
    expect(changed.stdout).toMatch(/^updated budget ops:/);
  });

  it('calls a whitespace-only file blank and a zero-byte file empty', async () => {
    const out = await frugal(['enqueue', 'summarize', join(folder, 'blank.txt'), join(folder, 'zero.txt'), '--dry-run', '--json']);
    expect(JSON.parse(out.stdout).errors).toEqual([
      { source: join(folder, 'blank.txt'), error: 'file is blank: it holds only whitespace' },
      { source: join(folder, 'zero.txt'), error: 'file is empty' },
    ]);
  });
});
