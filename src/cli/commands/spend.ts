import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { formatDollars } from '../../pricing/money.js';
import { SPEND_GROUPS, dayRange, querySpend, querySpendTotal, type SpendGroup } from '../../reports/query-spend.js';
import { checkTimeZone, localTimeZone, parseDaySpec, resolveDay } from '../../reports/report-day.js';
import type { SpendRow } from '../../reports/report-figures.js';
import { withContext, type CliContext } from '../context.js';
import { dim, formatTable, printJson } from '../output.js';

export interface SpendOptions {
  /** First day counted (`YYYY-MM-DD`, `today`, `yesterday`). Default today. */
  since?: string;
  /** Last day counted, inclusive. Default today. */
  until?: string;
  by?: string;
  tz?: string;
  now?: Date;
}

/** `frugal spend --json`. */
export interface SpendReport {
  since: string;
  until: string;
  tz: string;
  /** The instants counted: `[from, to)`. */
  from: string;
  to: string;
  by: SpendGroup;
  /** Each call once, whatever its budgets. */
  totalMicros: number;
  calls: number;
  rows: SpendRow[];
}

export async function collectSpend(ctx: CliContext, options: SpendOptions): Promise<SpendReport> {
  const by = (options.by ?? 'model').trim().toLowerCase();
  if (!(SPEND_GROUPS as readonly string[]).includes(by)) throw new InputError(`--by "${options.by}" is not a grouping`, `give one of ${SPEND_GROUPS.join(', ')}`);
  const tz = checkTimeZone(options.tz ?? localTimeZone());
  const since = resolveDay(parseDaySpec(options.since ?? 'today', '--since'), tz, options.now);
  const until = resolveDay(parseDaySpec(options.until ?? 'today', '--until'), tz, options.now);
  if (until < since) throw new InputError(`--until ${until} is before --since ${since}`, 'give the earlier day as --since');
  const { pool } = await ctx.db();
  const { from, to } = await dayRange(pool, since, until, tz);
  const [total, rows] = await Promise.all([querySpendTotal(pool, from, to), querySpend(pool, { from, to, by: by as SpendGroup, tz })]);
  return { since, until, tz, from: from.toISOString(), to: to.toISOString(), by: by as SpendGroup, totalMicros: total.totalMicros, calls: total.calls, rows };
}

export function formatSpend(report: SpendReport): string {
  const range = report.since === report.until ? report.since : `${report.since} to ${report.until}`;
  const heading = `spend ${range} (${report.tz}) by ${report.by}: ${formatDollars(report.totalMicros)} on ${report.calls} call(s)`;
  if (report.rows.length === 0) return `${heading}\n${dim('nothing spent')}`;
  const table = formatTable(report.rows, [
    { header: report.by.toUpperCase(), value: (r) => r.key },
    { header: 'SPENT', value: (r) => formatDollars(r.spentMicros), align: 'right' },
    { header: 'CALLS', value: (r) => r.calls.toLocaleString('en-US'), align: 'right' },
    { header: 'INPUT TOKENS', value: (r) => r.inputTokens.toLocaleString('en-US'), align: 'right' },
    { header: 'OUTPUT TOKENS', value: (r) => r.outputTokens.toLocaleString('en-US'), align: 'right' },
    { header: 'OF WHICH REASONING', value: (r) => r.reasoningTokens.toLocaleString('en-US'), align: 'right' },
  ]);
  const note = report.by === 'budget' ? `\n${dim('a call charged to several budgets counts under each')}` : '';
  return `${heading}\n\n${table}${note}`;
}

export function registerSpend(program: Command): void {
  program
    .command('spend')
    .description('money spent on provider calls (settled and closed as spent), grouped by model, budget, job kind or day')
    .option('--since <date>', 'first day counted: YYYY-MM-DD, today or yesterday', 'today')
    .option('--until <date>', 'last day counted, inclusive', 'today')
    .option('--by <group>', `group by ${SPEND_GROUPS.join(', ')}`, 'model')
    .option('--tz <zone>', 'time zone in which days begin (default: this machine\'s)')
    .option('--json', 'print one JSON document (money in *Micros keys)')
    .action(async (options: SpendOptions & { json?: boolean }) => {
      const report = await withContext((ctx) => collectSpend(ctx, options));
      if (options.json) printJson(report);
      else process.stdout.write(`${formatSpend(report)}\n`);
    });
}
