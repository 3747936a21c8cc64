import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import type { Tier } from '../pricing/types.js';

/**
 * Scheduled reports have their own queue, apart from the intake queue: a report job waits for
 * its summary's `report` job, which runs through the intake queue like any other job.
 */
export const REPORTS_QUEUE = 'reports';

/** What a scheduled report job carries: the options of `frugal report`, fixed when scheduled. */
export interface ReportJobData {
  /** `yesterday` for a nightly report, `today` for one covering the day so far. */
  day: 'today' | 'yesterday';
  tz: string;
  tier: Tier;
  budgets: string[];
  /** Absolute folder for the Markdown file, on the machine of the worker that runs the report. */
  outDir: string;
  /** Ask an LLM for the executive summary. */
  summary: boolean;
  /** The schedule that made the job. */
  scheduleName: string;
}

export interface ReportJobResult {
  reportId: number;
  date: string;
  filePath: string | null;
  summary: 'written' | 'skipped' | 'unavailable';
}

export const REPORT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};

export function createReportsQueue(connection: ConnectionOptions, prefix: string): Queue<ReportJobData, ReportJobResult> {
  return new Queue<ReportJobData, ReportJobResult>(REPORTS_QUEUE, { connection, prefix, defaultJobOptions: REPORT_JOB_OPTIONS });
}
