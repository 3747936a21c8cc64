import { bigint, date, index, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One row per report day and time zone: running a day's report again replaces its row (the
 * figures of a day still open change, and a report written before its summary was ready gets it).
 */
export const reports = pgTable(
  'reports',
  {
    id: serial('id').primaryKey(),
    /** The calendar day the report covers, in `tz`. */
    day: date('day', { mode: 'string' }).notNull(),
    /** IANA zone in which the day begins and ends. */
    tz: text('tz').notNull(),
    title: text('title').notNull(),
    /** The figures the report was written from (ReportFigures, money in `*Micros`). */
    figures: jsonb('figures').notNull(),
    markdown: text('markdown').notNull(),
    /** The spend chart, also embedded in the Markdown. */
    chartSvg: text('chart_svg').notNull(),
    /** The `report` job that wrote the executive summary, when one was asked for. */
    summaryJobId: text('summary_job_id'),
    /** What the executive summary cost (its calls are in the ledger on the day they were made). */
    summaryCostMicros: bigint('summary_cost_micros', { mode: 'number' }).notNull().default(0),
    /** Where the Markdown file was written, on the machine that wrote it. */
    filePath: text('file_path'),
    /** `manual` (frugal report, the demo) or the name of the schedule that ran it. */
    trigger: text('trigger').notNull().default('manual'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [unique('reports_day_tz').on(t.day, t.tz), index('reports_created_idx').on(t.createdAt)],
);
