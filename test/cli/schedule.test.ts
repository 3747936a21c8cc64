import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { listSchedules, removeSchedule, scheduleReport } from '../../src/cli/commands/schedule.js';
import { loadConfig, type Config } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { catalogTokenizerFor } from '../../src/providers/sim/catalog-tokenizer-for.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/sim/simulator.js';
import { createReportsQueue } from '../../src/queue/report-queue.js';
import { UnknownScheduleError } from '../../src/queue/unknown-schedule-error.js';
import { dateIn } from '../../src/reports/report-day.js';
import { FrugalWorker } from '../../src/workers/frugal-worker.js';
import { ReportWorker } from '../../src/workers/report-worker.js';
import { useTestEnv, waitFor } from '../support/env.js';

const env = useTestEnv();
let sim: RunningSimulator;
let config: Config;
let ctx: CliContext;
let outDir: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tokenizerFor: catalogTokenizerFor(loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' })) });
  config = loadConfig({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' });
  ctx = new CliContext(config);
  outDir = mkdtempSync(join(tmpdir(), 'frugal-schedule-'));
});

afterAll(async () => {
  await ctx?.close();
  await sim?.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe('frugal schedule report', () => {
  it('registers one schedule however often it is run, and updates it in place', async () => {
    const first = await scheduleReport(ctx, { name: 'nightly', cron: '0 2 * * *', tz: 'Europe/Berlin', out: outDir });
    const again = await scheduleReport(ctx, { name: 'nightly', cron: '0 2 * * *', tz: 'Europe/Berlin', out: outDir });
    const changed = await scheduleReport(ctx, { name: 'nightly', cron: '30 3 * * *', tz: 'Europe/Berlin', out: outDir, tier: 'premium' });
    expect([first.created, again.created, changed.created]).toEqual([true, false, false]);
    const queue = createReportsQueue(env.redis, env.prefix);
    try {
      expect(await queue.getJobSchedulersCount()).toBe(1);
      // One next run waiting, not one per registration.
      expect((await queue.getJobCounts('delayed')).delayed).toBe(1);
    } finally {
      await queue.close();
    }
    const { schedules } = await listSchedules(ctx);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({
      name: 'nightly',
      pattern: '30 3 * * *',
      tz: 'Europe/Berlin',
      every: null,
      data: { day: 'yesterday', tz: 'Europe/Berlin', tier: 'premium', budgets: [], outDir, summary: true, scheduleName: 'nightly' },
    });
    // 03:30 in Berlin is 02:30 UTC in winter and 01:30 UTC in summer.
    expect(new Date(schedules[0]!.next!).toISOString()).toMatch(/T0[12]:30:00\.000Z$/);
    await removeSchedule(ctx, 'nightly');
    expect((await listSchedules(ctx)).schedules).toEqual([]);
  });

  it('refuses a bad cron pattern, an unknown zone or budget, and leaves an existing schedule as it was', async () => {
    await scheduleReport(ctx, { name: 'kept', cron: '0 2 * * *', tz: 'UTC', out: outDir });
    await expect(scheduleReport(ctx, { name: 'kept', cron: '61 2 * * *', tz: 'UTC' })).rejects.toThrow(InputError);
    await expect(scheduleReport(ctx, { name: 'kept', cron: 'every night', tz: 'UTC' })).rejects.toThrow('--cron "every night" is not a cron pattern');
    await expect(scheduleReport(ctx, { name: 'kept', cron: '0 2 * * *', tz: 'Mars/Olympus' })).rejects.toThrow('--tz "Mars/Olympus" is not a known time zone');
    await expect(scheduleReport(ctx, { name: 'kept', cron: '0 2 * * *', tz: 'UTC', budgets: ['nope'] })).rejects.toThrow('no budget named "nope"');
    await expect(scheduleReport(ctx, { name: 'bad:name', cron: '0 2 * * *', tz: 'UTC' })).rejects.toThrow('schedule name "bad:name" is not valid');
    await expect(scheduleReport(ctx, { name: 'kept', tz: 'UTC' })).rejects.toThrow('give when the report runs with --cron');
    const { schedules } = await listSchedules(ctx);
    expect(schedules.map((s) => [s.name, s.pattern])).toEqual([['kept', '0 2 * * *']]);
    await removeSchedule(ctx, 'kept');
  });

  it('says so when asked to remove a schedule that does not exist', async () => {
    await expect(removeSchedule(ctx, 'never-made')).rejects.toThrow(UnknownScheduleError);
  });

  it('fires on its cron pattern and produces a report row and file with an LLM summary made through the pipeline', async () => {
    const logger = createLogger('silent');
    const worker = await FrugalWorker.start(config, { concurrency: 4, logger });
    const reports = await ReportWorker.start(config, { logger, summaryTimeoutMs: 20_000 });
    try {
      // A day with activity (an idle day gets no LLM summary): one job finished today.
      await env.pool.query(`insert into jobs (job_id, kind, tier, status, finished_at) values ('seed-today', 'classify', 'basic', 'completed', now())`);
      // Every second: the nearest cron there is.
      await scheduleReport(ctx, { name: 'every-second', cron: '* * * * * *', tz: 'UTC', day: 'today', out: outDir });
      const today = dateIn(new Date(), 'UTC');
      const row = await waitFor(
        async () => {
          const { rows } = await env.pool.query<{ file_path: string; trigger: string; summary_job_id: string | null; summary_cost_micros: string; markdown: string }>(
            `select file_path, trigger, summary_job_id, summary_cost_micros, markdown from reports where day = $1 and tz = 'UTC'`,
            [today],
          );
          return rows[0];
        },
        { timeoutMs: 25_000, what: 'a scheduled report' },
      );
      await removeSchedule(ctx, 'every-second');
      expect(row.trigger).toBe('every-second');
      expect(row.file_path).toBe(join(outDir, `frugal-report-${today}.md`));
      expect(existsSync(row.file_path)).toBe(true);
      expect(readFileSync(row.file_path, 'utf8')).toContain(`# frugal daily report — ${today} (UTC)`);
      // The summary is a report job that went through the normal pipeline: result row and ledger.
      expect(row.summary_job_id).toMatch(/^report-/);
      expect(Number(row.summary_cost_micros)).toBeGreaterThan(0);
      expect(row.markdown).toContain(`job \`${row.summary_job_id}\``);
      const ledger = await env.pool.query<{ status: string; cost: string }>(`select status, cost_micros as cost from ledger where job_id = $1`, [row.summary_job_id]);
      expect(ledger.rows).toEqual([{ status: 'settled', cost: row.summary_cost_micros }]);
    } finally {
      await removeSchedule(ctx, 'every-second').catch(() => {});
      await reports.close();
      await worker.close();
    }
  });
});
