import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { Tier } from '../../pricing/types.js';
import type { ReportJobData } from '../../queue/report-queue.js';
import { listReportSchedules, removeReportSchedule, upsertReportSchedule, type ReportSchedule, type ScheduleTiming } from '../../queue/report-schedules.js';
import { checkTimeZone, localTimeZone } from '../../reports/report-day.js';
import { reportsQueue } from '../cli-queues.js';
import { withContext, type CliContext } from '../context.js';
import { dim, formatTable, printJson } from '../output.js';
import { collect, parseTier } from '../parse-options.js';
import { checkBudgetsExist } from './report.js';
import { formatTableTime, formatTime, timeHeader } from '../format-time.js';

export interface ScheduleReportOptions {
  /** Default `nightly-report`. */
  name?: string;
  /** Cron pattern (five fields, or six with seconds first). */
  cron?: string;
  /** Fire every N milliseconds instead of a cron pattern (tests, demos). */
  everyMs?: number;
  tz?: string;
  tier?: Tier;
  budgets?: string[];
  /** Default `./reports`, made absolute here. */
  out?: string;
  /** The day each run reports on. Default `yesterday`. */
  day?: 'today' | 'yesterday';
  summary?: boolean;
}

/** `frugal schedule report --json`. */
export interface ScheduleReportResult {
  /** False when a schedule of this name existed and was updated. */
  created: boolean;
  schedule: ReportSchedule;
}

/**
 * Registers (or updates) a report schedule: a BullMQ job scheduler on the `reports` queue whose
 * jobs a ReportWorker (started by `frugal worker`) turns into reports. The same name twice is one
 * schedule.
 */
export async function scheduleReport(ctx: CliContext, options: ScheduleReportOptions): Promise<ScheduleReportResult> {
  const name = options.name ?? 'nightly-report';
  if ((options.cron === undefined) === (options.everyMs === undefined)) {
    throw new InputError('give when the report runs with --cron', 'e.g. --cron "0 2 * * *" for 02:00 every night');
  }
  const tz = checkTimeZone(options.tz ?? localTimeZone());
  const day = options.day ?? 'yesterday';
  if (day !== 'today' && day !== 'yesterday') throw new InputError(`--day "${String(day)}" is not today or yesterday`, 'a nightly report covers yesterday: --day yesterday');
  const budgets = [...new Set(options.budgets ?? [])];
  await checkBudgetsExist(ctx, budgets);
  const data: ReportJobData = {
    day,
    tz,
    tier: options.tier ?? 'standard',
    budgets,
    outDir: resolve(options.out ?? './reports'),
    summary: options.summary !== false,
    scheduleName: name,
  };
  const timing: ScheduleTiming = options.cron !== undefined ? { pattern: options.cron.trim(), tz } : { every: options.everyMs! };
  return upsertReportSchedule(await reportsQueue(ctx), name, timing, data);
}

export async function listSchedules(ctx: CliContext): Promise<{ schedules: ReportSchedule[] }> {
  return { schedules: await listReportSchedules(await reportsQueue(ctx)) };
}

export async function removeSchedule(ctx: CliContext, name: string): Promise<{ removed: string }> {
  await removeReportSchedule(await reportsQueue(ctx), name);
  return { removed: name };
}

function describeTiming(s: ReportSchedule): string {
  if (s.pattern) return `cron "${s.pattern}"${s.tz ? ` (${s.tz})` : ''}`;
  return `every ${s.every} ms`;
}

export function registerSchedule(program: Command): void {
  const group = program.command('schedule').description('recurring reports, run by `frugal worker` (BullMQ job schedulers)');

  group
    .command('report')
    .description('run the daily report on a schedule (the same --name again updates it: one schedule per name)')
    .option('--name <name>', 'name of the schedule', 'nightly-report')
    .option('--cron <pattern>', 'when to run: minute hour day month weekday, e.g. "0 2 * * *" for 02:00 every night')
    .option('--tz <zone>', "time zone of the pattern and of the report's day (default: this machine's)")
    .option('--day <day>', 'the day each run reports on: yesterday or today', 'yesterday')
    .option('--tier <tier>', 'tier of the summary job', 'standard')
    .option('--budget <name>', 'budget the summary is charged to (repeatable)', collect, [])
    .option('--out <dir>', 'folder for the Markdown files, on the machine of the worker that runs them', './reports')
    .option('--no-summary', 'skip the LLM-written executive summary')
    .option('--json', 'print one JSON document')
    .action(async (options: { name: string; cron?: string; tz?: string; day: string; tier: string; budget: string[]; out: string; summary: boolean; json?: boolean }) => {
      const tier = parseTier(options.tier);
      const result = await withContext((ctx) =>
        scheduleReport(ctx, {
          name: options.name,
          cron: options.cron,
          tz: options.tz,
          tier,
          budgets: options.budget,
          out: options.out,
          day: options.day as 'today' | 'yesterday',
          summary: options.summary,
        }),
      );
      if (options.json) return printJson(result);
      const s = result.schedule;
      process.stdout.write(
        `${result.created ? 'scheduled' : 'updated'} ${s.name}: ${describeTiming(s)}, next run ${s.next ? formatTime(s.next) : 'unknown'}\n` +
          dim('reports run in `frugal worker` processes; see `frugal schedule list`\n'),
      );
    });

  group
    .command('list')
    .description('list report schedules and their next run')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const listed = await withContext(listSchedules);
      if (options.json) return printJson(listed);
      if (listed.schedules.length === 0) return void process.stdout.write('no schedules (frugal schedule report --cron "0 2 * * *")\n');
      process.stdout.write(
        `${formatTable(listed.schedules, [
          { header: 'NAME', value: (s) => s.name },
          { header: 'WHEN', value: describeTiming },
          { header: timeHeader('NEXT RUN'), value: (s) => formatTableTime(s.next) },
          { header: 'DAY', value: (s) => s.data?.day ?? '-' },
          { header: 'TIER', value: (s) => s.data?.tier ?? '-' },
          { header: 'BUDGETS', value: (s) => s.data?.budgets.join(', ') || '-' },
          { header: 'OUT', value: (s) => s.data?.outDir ?? '-' },
        ])}\n`,
      );
    });

  group
    .command('remove')
    .description('remove a schedule')
    .argument('<name>', 'the schedule to remove')
    .option('--json', 'print one JSON document')
    .action(async (name: string, options: { json?: boolean }) => {
      const result = await withContext((ctx) => removeSchedule(ctx, name));
      if (options.json) printJson(result);
      else process.stdout.write(`removed schedule ${name}\n`);
    });
}
