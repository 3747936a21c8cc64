import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { buildProgram } from '../../src/cli/program.js';
import { FrugalError } from '../../src/errors.js';
import { useTestEnv } from '../support/env.js';
import { call, usage } from './helpers.js';

const env = useTestEnv();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// The in-process runs read their configuration from this process's environment.
beforeAll(() => {
  process.env.DATABASE_URL = env.databaseUrl;
  process.env.FRUGAL_ALERT_WEBHOOK = '';
});

/**
 * Runs a command in this process, printing an error as src/cli/main.ts does: fast, for the many
 * cases; `spawned` runs the real executable for the end-to-end ones.
 */
let queue: Promise<unknown> = Promise.resolve();
function frugal(...args: string[]): Promise<Run> {
  // One at a time: each run captures process.stdout.
  const run = queue.then(() => runHere(args));
  queue = run.catch(() => {});
  return run;
}

async function runHere(args: string[]): Promise<Run> {
  let stdout = '';
  const capture = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(['node', 'frugal', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr: '' };
  } catch (error) {
    if (!(error instanceof FrugalError)) throw error;
    return { code: error.exitCode, stdout, stderr: `frugal: ${error.message}${error.hint ? ` — ${error.hint}` : ''}\n` };
  } finally {
    capture.mockRestore();
    process.exitCode = undefined;
  }
}

/** Runs the real CLI executable against this file's database. */
function spawned(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: env.databaseUrl, LOG_LEVEL: 'silent', NO_COLOR: '1', FRUGAL_ALERT_WEBHOOK: '' } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const json = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

describe('frugal budget and frugal alerts', () => {
  it('creates, updates, lists and shows budgets, with money in integer micro-dollars in JSON', async () => {
    const created = await spawned('budget', 'set', 'marketing', '--limit', '25', '--period', 'day', '--tz', 'Europe/Berlin', '--json');
    expect(created.code).toBe(0);
    expect(json(created)).toMatchObject({ created: true, budget: { name: 'marketing', limitMicros: 25_000_000, period: 'day', tz: 'Europe/Berlin', hard: true, scope: 'named', thresholds: [50, 80, 100] } });
    const updated = await frugal('budget', 'set', 'marketing', '--limit', '30.5', '--soft', '--alerts', '90,75');
    expect(updated).toMatchObject({ code: 0, stdout: expect.stringContaining('updated budget marketing: $30.50 per day (Europe/Berlin), soft') });

    const ledger = new BudgetLedger(env.pool, { mode: 'perCall' });
    const c = call({ maxCostMicros: 2_000_000, budgetNames: ['marketing'] });
    await ledger.reserve(c);
    await ledger.settle(c.callId, { costMicros: 1_250_000, usage: usage() });
    await ledger.reserve(call({ maxCostMicros: 500_000, budgetNames: ['marketing'] }));

    const [show, list, human] = await Promise.all([frugal('budget', 'show', 'marketing', '--json'), frugal('budget', 'list', '--json'), frugal('budget', 'show', 'marketing')]);
    expect(json(show)).toMatchObject({
      name: 'marketing',
      limitMicros: 30_500_000,
      spentMicros: 1_250_000,
      reservedMicros: 500_000,
      remainingMicros: 28_750_000,
      overrunCount: 0,
      hard: false,
      thresholds: [75, 90],
      periodStart: expect.stringMatching(/T2[23]:00:00\.000Z$/),
      periodEnd: expect.any(String),
    });
    expect((json(list).budgets as unknown[]).length).toBe(1);
    expect(human.stdout).toMatch(/spent\s+\$1\.25/);
    expect(human.stdout).toMatch(/remaining\s+\$28\.75/);
    expect(human.stdout).toMatch(/period\s+\d{4}-\d\d-\d\d 00:00 → \d{4}-\d\d-\d\d 00:00 Europe\/Berlin/);
  });

  it('rejects bad input with one line naming the problem and the fix, and changes nothing', async () => {
    await frugal('budget', 'set', 'ops', '--limit', '10', '--period', 'week');
    const cases: Array<[string[], RegExp]> = [
      [['budget', 'set', 'ops', '--limit=-5'], /--limit "-5" is not a dollar amount — give a non-negative number/],
      [['budget', 'set', 'ops', '--limit', 'ten'], /--limit "ten" is not a dollar amount/],
      [['budget', 'set', 'ops', '--period', 'fortnight'], /--period "fortnight" is not a known period — use one of day, week, month, total/],
      [['budget', 'set', 'ops', '--tz', 'Atlantis/Capital'], /--tz "Atlantis\/Capital" is not a known time zone — give an IANA zone name/],
      [['budget', 'set', 'ops', '--scope', 'kind:poetry'], /unknown kind "poetry"/],
      [['budget', 'set', 'ops', '--scope', 'everyone'], /--scope "everyone" is not a known scope/],
      [['budget', 'set', 'ops', '--alerts', '50,abc'], /--alerts "50,abc" has "abc"/],
      [['budget', 'set', 'newbie', '--limit', '5'], /budget "newbie" does not exist yet — give --limit and --period to create it/],
      [['budget', 'show', 'nobody'], /no budget named "nobody"/],
      [['budget', 'delete', 'nobody'], /no budget named "nobody"/],
      [['alerts', 'ack', '99999'], /no alert with id 99999/],
    ];
    const runs = [await spawned(...cases[0]![0]), ...(await Promise.all(cases.slice(1).map(([args]) => frugal(...args))))];
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(' ')).toBe(1);
      expect(run.stderr).toMatch(cases[i]![1]);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stdout).toBe('');
    });
    const ops = json(await frugal('budget', 'show', 'ops', '--json'));
    expect(ops).toMatchObject({ limitMicros: 10_000_000, period: 'week', tz: 'UTC', scope: 'named', thresholds: [50, 80, 100] });
    const names = (json(await frugal('budget', 'list', '--json')).budgets as Array<{ name: string }>).map((b) => b.name);
    expect(names).not.toContain('newbie');
  });

  it('refuses to delete a budget with open reservations, and deletes it once they are settled', async () => {
    await frugal('budget', 'set', 'busy', '--limit', '1', '--period', 'month');
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall' });
    const c = call({ maxCostMicros: 10_000, budgetNames: ['busy'] });
    await ledger.reserve(c);
    const refused = await frugal('budget', 'delete', 'busy');
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('budget "busy" has 1 open reservation(s)') });
    await ledger.settle(c.callId, { costMicros: 5_000, usage: usage() });
    expect(await frugal('budget', 'delete', 'busy')).toMatchObject({ code: 0, stdout: 'deleted budget busy\n' });
    const { rows } = await env.pool.query(`select status from ledger where call_id = $1`, [c.callId]);
    expect(rows).toEqual([{ status: 'settled' }]); // the ledger keeps the call
  });

  it('lists and acknowledges alerts, and alerts check exits 1 while a hard budget is exhausted or a 100% alert is unacknowledged', async () => {
    await frugal('budget', 'set', 'tiny', '--limit', '0.10', '--period', 'total');
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall' });
    const c = call({ maxCostMicros: 100_000, budgetNames: ['tiny'] });
    await ledger.reserve(c);
    await ledger.settle(c.callId, { costMicros: 100_000, usage: usage() });

    const [alerts, check] = await Promise.all([frugal('alerts', '--json'), frugal('alerts', 'check', '--json')]);
    const list = json(alerts).alerts as Array<{ id: number; budgetName: string; threshold: number; spentMicros: number; limitMicros: number; delivery: string }>;
    expect(list.filter((a) => a.budgetName === 'tiny').map((a) => a.threshold).sort((a, b) => a - b)).toEqual([50, 80, 100]);
    expect(list[0]).toMatchObject({ spentMicros: 100_000, limitMicros: 100_000, delivery: 'pending' });
    expect(check.code).toBe(1);
    expect((await spawned('alerts', 'check')).code).toBe(1);
    expect(json(check)).toMatchObject({ ok: false, exhausted: [{ name: 'tiny', spentMicros: 100_000, remainingMicros: 0 }] });

    const full = list.find((a) => a.budgetName === 'tiny' && a.threshold === 100)!;
    expect(await frugal('alerts', 'ack', String(full.id))).toMatchObject({ code: 0, stdout: expect.stringContaining(`acknowledged alert ${full.id}`) });
    // Still exhausted: the check keeps failing until the limit is raised.
    expect((await frugal('alerts', 'check')).code).toBe(1);
    await frugal('budget', 'set', 'tiny', '--limit', '1');
    const ok = await frugal('alerts', 'check');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('ok') });
  });

  it("budget audit checks each result against its job's ledger rows, exits 1 naming a corrupted one, and --fix-results repairs it", async () => {
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall' });
    // audit-a: two calls settled, one released (not counted); audit-b: one call still reserved (skipped).
    const charged = [call({ jobId: 'audit-a', maxCostMicros: 500 }), call({ jobId: 'audit-a', seq: 1, maxCostMicros: 500 }), call({ jobId: 'audit-a', seq: 2, maxCostMicros: 500 })];
    for (const c of charged) await ledger.reserve(c);
    await ledger.settle(charged[0]!.callId, { costMicros: 120, usage: usage(10) });
    await ledger.settle(charged[1]!.callId, { costMicros: 80, usage: usage(10) });
    await ledger.release(charged[2]!.callId, 'no slot');
    await ledger.reserve(call({ jobId: 'audit-b', maxCostMicros: 500 }));
    const insert = `insert into results (job_id, kind, model, output_text, cost_micros, calls) values ($1, 'summarize', 'llama-3.1-8b', 'ok', $2, $3)`;
    await env.pool.query(insert, ['audit-a', 200, 2]);
    await env.pool.query(insert, ['audit-b', 0, 0]);

    const clean = await frugal('budget', 'audit', '--json');
    expect(clean.code).toBe(0);
    expect(json(clean)).toMatchObject({ ok: true, results: { checked: 1, skippedOpen: 1, mismatches: [], fixed: 0 } });

    // Hand-corrupted: the result lost a call.
    await env.pool.query(`update results set cost_micros = 120, calls = 1 where job_id = 'audit-a'`);
    const corrupted = await frugal('budget', 'audit');
    expect(corrupted.code).toBe(1);
    expect(corrupted.stdout).toContain('mismatch result audit-a: $0.00012 in 1 call(s), ledger $0.0002 in 2 call(s)');
    expect(corrupted.stdout).toContain('budget audit --fix-results');
    expect(json(await frugal('budget', 'audit', '--json'))).toMatchObject({
      ok: false,
      results: { mismatches: [{ jobId: 'audit-a', resultCostMicros: 120, resultCalls: 1, ledgerCostMicros: 200, ledgerCalls: 2 }] },
    });

    const fixed = await frugal('budget', 'audit', '--fix-results');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('fixed result audit-a');
    const { rows } = await env.pool.query<{ cost_micros: string; calls: number }>(`select cost_micros, calls from results where job_id = 'audit-a'`);
    expect(rows).toEqual([{ cost_micros: '200', calls: 2 }]);
    expect((await frugal('budget', 'audit')).code).toBe(0);
  });

  it('has --help on every command', async () => {
    expect(await spawned('budget', 'set', '--help')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: frugal budget set \[options\] <name>/) });
    const commands = (parent: Command): Command[] => parent.commands.flatMap((c) => [c, ...commands(c)]);
    const ours = commands(buildProgram()).filter((c) => [c.name(), c.parent?.name()].some((n) => n === 'budget' || n === 'alerts'));
    expect(ours.map((c) => `${c.parent!.name()} ${c.name()}`).sort()).toEqual(
      ['alerts ack', 'alerts check', 'alerts deliver', 'alerts list', 'budget audit', 'budget close-stale', 'budget delete', 'budget list', 'budget set', 'budget show', 'frugal alerts', 'frugal budget'].sort(),
    );
    for (const command of ours) {
      expect(command.description()).not.toBe('');
      expect(command.helpInformation()).toMatch(/-h, --help/);
    }
  });
});
