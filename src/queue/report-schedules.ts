import type { Queue } from 'bullmq';
import { InputError } from '../errors.js';
import type { ReportJobData, ReportJobResult } from './report-queue.js';
import { UnknownScheduleError } from './unknown-schedule-error.js';

/** When a schedule fires: a cron pattern in a zone, or every N milliseconds. */
export type ScheduleTiming = { pattern: string; tz: string } | { every: number };

export interface ReportSchedule {
  name: string;
  pattern: string | null;
  tz: string | null;
  every: number | null;
  /** Next run (epoch milliseconds), when BullMQ knows it. */
  next: number | null;
  data: ReportJobData | null;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Creates or replaces the report schedule `name` (a BullMQ job scheduler on the reports queue).
 * The name is the identity: scheduling the same name again updates it, never adds a second.
 * Throws an InputError for a bad name or cron pattern; an existing schedule is then unchanged.
 */
export async function upsertReportSchedule(
  queue: Queue<ReportJobData, ReportJobResult>,
  name: string,
  timing: ScheduleTiming,
  data: ReportJobData,
): Promise<{ created: boolean; schedule: ReportSchedule }> {
  if (!NAME.test(name)) throw new InputError(`schedule name "${name}" is not valid`, 'use letters, digits, "_", "." and "-" (at most 100)');
  if ('every' in timing && (!Number.isSafeInteger(timing.every) || timing.every < 1_000)) {
    throw new InputError(`a schedule's interval must be a whole number of milliseconds of at least 1,000 (got ${timing.every})`, 'give a larger interval');
  }
  const existed = (await queue.getJobScheduler(name)) !== undefined;
  try {
    await queue.upsertJobScheduler(name, 'every' in timing ? { every: timing.every } : { pattern: timing.pattern, tz: timing.tz }, { name: 'report', data });
  } catch (error) {
    if ('pattern' in timing) {
      throw new InputError(`--cron "${timing.pattern}" is not a cron pattern (${(error as Error).message})`, 'give five fields (minute hour day month weekday) such as "0 2 * * *", or six with seconds first');
    }
    throw error;
  }
  const schedule = await getReportSchedule(queue, name);
  return { created: !existed, schedule: schedule! };
}

export async function getReportSchedule(queue: Queue<ReportJobData, ReportJobResult>, name: string): Promise<ReportSchedule | undefined> {
  const found = await queue.getJobScheduler(name);
  if (!found) return undefined;
  return toSchedule(found.id ?? found.key ?? name, found);
}

export async function listReportSchedules(queue: Queue<ReportJobData, ReportJobResult>): Promise<ReportSchedule[]> {
  const all = await queue.getJobSchedulers(0, -1, true);
  return all.map((s) => toSchedule(s.id ?? s.key, s)).sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes a schedule. Throws UnknownScheduleError when there is none of that name. */
export async function removeReportSchedule(queue: Queue<ReportJobData, ReportJobResult>, name: string): Promise<void> {
  if ((await queue.getJobScheduler(name)) === undefined) throw new UnknownScheduleError(name);
  await queue.removeJobScheduler(name);
}

function toSchedule(
  name: string,
  s: { pattern?: string; tz?: string; every?: number; next?: number; template?: { data?: ReportJobData } },
): ReportSchedule {
  return {
    name,
    pattern: s.pattern ?? null,
    tz: s.tz ?? null,
    every: s.every === undefined ? null : Number(s.every),
    next: s.next === undefined ? null : Number(s.next),
    data: s.template?.data ?? null,
  };
}
