import type { Command } from 'commander';
import { BudgetLedger } from '../../budget/budget-ledger.js';
import { BudgetStore } from '../../budget/budget-store.js';
import { auditResultCosts, syncResultCosts } from '../../budget/sync-result-costs.js';
import { formatInZone } from '../../budget/format-in-zone.js';
import { parsePeriod, parseScope, parseThresholds } from '../../budget/parse-budget-fields.js';
import type { BudgetInput, BudgetStatus } from '../../budget/types.js';
import { InputError } from '../../errors.js';
import { formatDollars, parseDollars } from '../../pricing/money.js';
import { withContext } from '../context.js';
import { bold, green, printJson, printTable, red } from '../output.js';
import { parseAge } from '../parse-options.js';

/** BullMQ's lock duration, which frugal workers keep: a younger reservation may belong to a live call. */
const MIN_STALE_AGE_MS = 30_000;

/** The fields `budget set` can change, as one comparable string. */
function definitionKey(b: BudgetStatus): string {
  return JSON.stringify([b.limitMicros, b.period, b.tz, b.hard, b.thresholds, b.scope]);
}

interface SetOptions {
  limit?: string;
  period?: string;
  tz?: string;
  soft?: boolean;
  hard?: boolean;
  alerts?: string;
  scope?: string;
  json?: boolean;
}

export function registerBudget(program: Command): void {
  const budget = program
    .command('budget')
    .description('budgets: spending limits per day, week, month or in total, checked before every provider call');

  budget
    .command('set')
    .argument('<name>', 'budget name (letters, digits, "_", ".", ":", "-")')
    .description('create a budget, or change the given fields of an existing one')
    .option('--limit <dollars>', 'spending limit in dollars, e.g. 25 or 0.50 (needed to create)')
    .option('--period <period>', 'day, week (from Monday), month or total (needed to create)')
    .option('--tz <zone>', 'IANA time zone in which periods begin, e.g. Europe/Berlin (default UTC)')
    .option('--soft', 'only alert: never refuse a call (default: hard, refuse calls that do not fit)')
    .option('--hard', 'refuse calls that do not fit (the default; turns a soft budget hard again)')
    .option('--alerts <percentages>', 'alert thresholds in percent of the limit, e.g. 50,80,100 (default), or none')
    .option('--scope <scope>', 'named (jobs naming it, default), global (every job) or kind:<kind> (every job of that kind)')
    .option('--json', 'print the budget as JSON')
    .action(async (name: string, options: SetOptions) => {
      if (options.soft && options.hard) throw new InputError('--soft and --hard were both given', 'give one of them');
      // Everything is parsed before the database is touched: bad input changes nothing.
      const input: BudgetInput = { name };
      if (options.limit !== undefined) input.limitMicros = parseDollars(options.limit, '--limit');
      if (options.period !== undefined) input.period = parsePeriod(options.period);
      if (options.tz !== undefined) input.tz = options.tz;
      if (options.soft) input.hard = false;
      if (options.hard) input.hard = true;
      if (options.alerts !== undefined) input.thresholds = parseThresholds(options.alerts);
      if (options.scope !== undefined) input.scope = parseScope(options.scope);
      if (Object.keys(input).length === 1) {
        throw new InputError(`budget set ${name}: nothing to change`, `give --limit, --period, --tz, --soft or --hard, --alerts or --scope (\`frugal budget show ${name}\` shows it)`);
      }
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const store = new BudgetStore(pool);
        const before = await store.status(name).catch(() => undefined);
        const result = await store.set(input);
        const status = await store.status(name);
        const changed = result.created || before === undefined || definitionKey(before) !== definitionKey(status);
        if (options.json) {
          printJson({ created: result.created, changed, budget: statusJson(status) });
          return;
        }
        process.stdout.write(`${result.created ? 'created' : changed ? 'updated' : 'unchanged'} budget ${bold(status.name)}: ${describe(status)}\n`);
        for (const alert of result.alerts) {
          process.stdout.write(`recorded alert ${alert.id}: ${formatDollars(alert.spentMicros)} spent is ${alert.threshold}% of the new limit\n`);
        }
      });
    });

  budget
    .command('list')
    .description('every budget with its spending in the current period')
    .option('--json', 'print the budgets as JSON')
    .action(async (options: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const budgets = await new BudgetStore(pool).list();
        if (options.json) {
          printJson({ budgets: budgets.map(statusJson) });
          return;
        }
        if (budgets.length === 0) {
          process.stdout.write('no budgets yet: create one with `frugal budget set NAME --limit 25 --period day`\n');
          return;
        }
        printTable(budgets, [
          { header: 'NAME', value: (b) => b.name },
          { header: 'LIMIT', value: (b) => formatDollars(b.limitMicros), align: 'right' },
          { header: 'PERIOD', value: (b) => (b.period === 'total' ? 'total' : `${b.period} (${b.tz})`) },
          { header: 'SPENT', value: (b) => formatDollars(b.spentMicros), align: 'right' },
          { header: 'RESERVED', value: (b) => formatDollars(b.reservedMicros), align: 'right' },
          { header: 'REMAINING', value: (b) => formatDollars(b.remainingMicros), align: 'right' },
          { header: 'KIND', value: (b) => (b.hard ? 'hard' : 'soft') },
          { header: 'SCOPE', value: (b) => b.scope },
          { header: 'STATUS', value: (b) => statusWord(b) },
        ]);
      });
    });

  budget
    .command('show')
    .argument('<name>', 'budget name')
    .description('a budget: limit, spent, reserved, remaining, overruns, current period start and end')
    .option('--json', 'print the budget as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const b = await new BudgetStore(pool).status(name);
        if (options.json) {
          printJson(statusJson(b));
          return;
        }
        const rows: Array<[string, string]> = [
          ['budget', `${bold(b.name)} (${b.hard ? 'hard' : 'soft'}, scope ${b.scope})`],
          ['limit', `${formatDollars(b.limitMicros)} ${b.period === 'total' ? 'in total' : `per ${b.period}`}`],
          ['period', b.periodEnd ? `${formatInZone(b.periodStart, b.tz)} → ${formatInZone(b.periodEnd, b.tz)} ${b.tz}` : 'all time'],
          ['spent', formatDollars(b.spentMicros)],
          ['reserved', formatDollars(b.reservedMicros)],
          ['remaining', formatDollars(b.remainingMicros)],
          ['overruns', `${b.overrunCount} (${formatDollars(b.overrunMicros)} over their reservations)`],
          ['refused', `${b.refusedCount} reservation(s) this period`],
          ['alerts at', b.thresholds.length ? b.thresholds.map((t) => `${t}%`).join(', ') : 'none'],
          ['status', statusWord(b)],
        ];
        for (const [label, value] of rows) process.stdout.write(`${label.padEnd(10)} ${value}\n`);
      });
    });

  budget
    .command('delete')
    .argument('<name>', 'budget name')
    .description('delete a budget and its counters (the ledger keeps every call); refused while it has open reservations or a report schedule charges it')
    .action(async (name: string) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const store = new BudgetStore(pool);
        await store.status(name);
        // A schedule naming a deleted budget would fail every night; say so before anything changes.
        // Loaded here: BullMQ is heavy, and no other budget command needs it.
        const [{ listReportSchedules }, { reportsQueue }] = await Promise.all([import('../../queue/report-schedules.js'), import('../cli-queues.js')]);
        const naming = (await listReportSchedules(await reportsQueue(ctx))).filter((s) => s.data?.budgets.includes(name)).map((s) => s.name);
        if (naming.length > 0) {
          throw new InputError(
            `budget ${name} is charged by report schedule ${naming.join(', ')}`,
            `remove the schedule first (${naming.map((n) => `frugal schedule remove ${n}`).join('; ')}) or give it another budget (frugal schedule report --name ${naming[0]} --budget OTHER)`,
          );
        }
        await store.delete(name);
        process.stdout.write(`deleted budget ${name}\n`);
      });
    });

  budget
    .command('close-stale')
    .description('close reservations whose worker died: counted as spent at the reserved amount and flagged')
    .option('--older-than <age>', `age of a reservation never settled, at least ${MIN_STALE_AGE_MS / 1000}s (a worker's job lock), e.g. 15m, 2h, 1d`, '15m')
    .option('--json', 'print the result as JSON')
    .action(async (options: { olderThan: string; json?: boolean }) => {
      const olderThanMs = parseAge(options.olderThan, '--older-than');
      if (olderThanMs < MIN_STALE_AGE_MS) {
        throw new InputError(
          `--older-than ${options.olderThan} would close reservations of calls still running`,
          `give at least ${MIN_STALE_AGE_MS / 1000}s, the time a worker holds a job's lock between renewals (default 15m)`,
        );
      }
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const result = await new BudgetLedger(pool, { mode: 'perCall' }).closeStale(olderThanMs);
        if (options.json) {
          printJson(result);
          return;
        }
        process.stdout.write(`closed ${result.closed} stale reservation(s) as spent (${formatDollars(result.closedMicros)})\n`);
      });
    });

  budget
    .command('audit')
    .description(
      "check that every budget counter equals the sum of its ledger rows, and every result's cost and calls equal its job's charged ledger rows (exit code 1 if not)",
    )
    .option('--fix-results', "set each mismatched result's cost and calls to its job's ledger rows (settled or closed as spent)")
    .option('--json', 'print the mismatches as JSON')
    .action(async (options: { fixResults?: boolean; json?: boolean }) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const mismatches = await new BudgetStore(pool).audit();
        const results = await auditResultCosts(pool);
        const fixed = options.fixResults ? await syncResultCosts(pool, results.mismatches.map((m) => m.jobId)) : [];
        const resultsOk = results.mismatches.length === 0 || fixed.length === results.mismatches.length;
        if (options.json) {
          printJson({
            ok: mismatches.length === 0 && resultsOk,
            mismatches,
            results: { checked: results.checked, skippedOpen: results.skippedOpen, mismatches: results.mismatches, fixed: fixed.length },
          });
        } else {
          if (mismatches.length === 0) process.stdout.write(`${green('ok')}: every budget counter equals its ledger\n`);
          else for (const m of mismatches) process.stdout.write(`${red('mismatch')} ${m.budgetName} ${m.periodStart.toISOString()}: ${JSON.stringify(m)}\n`);
          const skipped = results.skippedOpen > 0 ? ` (${results.skippedOpen} skipped: a call of the job is still reserved)` : '';
          if (results.mismatches.length === 0) process.stdout.write(`${green('ok')}: ${results.checked} result(s) equal their job's ledger${skipped}\n`);
          for (const m of results.mismatches) {
            process.stdout.write(
              `${options.fixResults ? 'fixed' : red('mismatch')} result ${m.jobId}: ${formatDollars(m.resultCostMicros)} in ${m.resultCalls} call(s), ledger ${formatDollars(m.ledgerCostMicros)} in ${m.ledgerCalls} call(s)\n`,
            );
          }
          if (results.mismatches.length > 0 && !options.fixResults) process.stdout.write('repair the results with `frugal budget audit --fix-results`\n');
        }
        if (mismatches.length > 0 || !resultsOk) process.exitCode = 1;
      });
    });
}

/** The JSON shape of a budget: camelCase, money in integer micro-dollars. */
export function statusJson(b: BudgetStatus) {
  return {
    name: b.name,
    limitMicros: b.limitMicros,
    period: b.period,
    tz: b.tz,
    hard: b.hard,
    scope: b.scope,
    thresholds: b.thresholds,
    periodStart: b.periodStart.toISOString(),
    periodEnd: b.periodEnd?.toISOString() ?? null,
    spentMicros: b.spentMicros,
    reservedMicros: b.reservedMicros,
    remainingMicros: b.remainingMicros,
    overrunCount: b.overrunCount,
    overrunMicros: b.overrunMicros,
    refusedCount: b.refusedCount,
    exhausted: b.exhausted,
  };
}

function describe(b: BudgetStatus): string {
  const per = b.period === 'total' ? 'in total' : `per ${b.period} (${b.tz})`;
  const alerts = b.thresholds.length ? `alerts at ${b.thresholds.join(', ')}%` : 'no alerts';
  return `${formatDollars(b.limitMicros)} ${per}, ${b.hard ? 'hard' : 'soft'}, scope ${b.scope}, ${alerts}`;
}

function statusWord(b: BudgetStatus): string {
  if (b.exhausted) return red('exhausted');
  if (!b.hard && b.spentMicros > b.limitMicros) return red('over');
  return green('ok');
}

