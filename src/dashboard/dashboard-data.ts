import type { Queue } from 'bullmq';
import { AlertStore } from '../budget/alert-store.js';
import { BudgetLedger } from '../budget/budget-ledger.js';
import { BudgetStore } from '../budget/budget-store.js';
import type { BudgetAlert, BudgetStatus } from '../budget/types.js';
import { CliContext } from '../cli/context.js';
import { JobControl } from '../cli/job-control.js';
import { collectSpend, type SpendReport } from '../cli/commands/spend.js';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { PROVIDERS, type ProviderId } from '../pricing/types.js';
import { createProviders, type ProviderRegistry } from '../providers/create-providers.js';
import { createIntakeQueue, type IntakeJobData, type IntakeJobResult } from '../queue/queues.js';
import { createReportsQueue, type ReportJobData, type ReportJobResult } from '../queue/report-queue.js';
import { addDays } from '../reports/report-day.js';
import type { Route } from '../router/route.js';
import { ProviderHealth } from '../workers/provider-health.js';
import { answers, type Readiness } from './health-routes.js';
import { queryDailySpend, queryEstimateAccuracy, type DailySpendCell, type DailySpendGroup, type EstimateRow } from './query-daily-spend.js';

export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'] as const;
export type ProviderStateName = 'ok' | 'slowed' | 'cooling' | 'disabled' | 'unconfigured';
export const PROVIDER_STATES: readonly ProviderStateName[] = ['ok', 'slowed', 'cooling', 'disabled', 'unconfigured'];

export interface ProviderView {
  provider: ProviderId;
  state: ProviderStateName;
  reason: string | null;
  until: Date | null;
}

export interface Overview {
  budgets: BudgetStatus[];
  /** Thresholds crossed in each budget's current period. */
  alertMarks: Map<string, number[]>;
  waitingForBudget: Array<{ budget: string; jobs: number; until: Date | null }>;
  queue: { paused: boolean; counts: Record<string, number>; workers: number };
  /** Calls reserved and not settled; `batch`: the part of them in vendor batches. */
  inFlight: { calls: number; reservedMicros: number; batch: { calls: number; reservedMicros: number } };
  providers: ProviderView[];
  unacknowledged: BudgetAlert[];
}

export interface JobListRow {
  jobId: string;
  kind: string;
  tier: string;
  status: string;
  model: string | null;
  costMicros: number | null;
  error: string | null;
  updatedAt: Date;
  parentId: string | null;
}

export interface CallRow {
  callId: string;
  jobId: string;
  attempt: number;
  seq: number;
  model: string;
  provider: string;
  status: string;
  estCostMicros: number;
  reservedMicros: number;
  costMicros: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  startedAt: Date;
  error: string | null;
}

export interface JobView {
  jobId: string;
  kind: string;
  tier: string;
  status: string;
  budgets: string[];
  parentId: string | null;
  error: string | null;
  waitingBudget: string | null;
  waitUntil: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
  /** BullMQ's state of the job, when the queue still holds it. */
  queueState: string | null;
  route: Route | null;
  calls: CallRow[];
  result: { model: string; text: string; json: unknown; costMicros: number; calls: number } | null;
  source: string | null;
}

export interface StoredReport {
  id: number;
  day: string;
  tz: string;
  title: string;
  markdown: string;
  chartSvg: string;
  createdAt: Date;
}

export interface SpendView {
  report: SpendReport;
  days: string[];
  daily: DailySpendCell[];
  estimates: EstimateRow[];
}

/**
 * Everything the dashboard reads and does, over one set of connections kept for the server's
 * life. Figures come from the same code as the CLI's (`collectSpend`, `BudgetStore.list`,
 * `JobControl`), so a page and `frugal … --json` can never disagree.
 */
export class DashboardData {
  readonly ctx: CliContext;
  private intake: Queue<IntakeJobData, IntakeJobResult> | undefined;
  private reportsQueue: Queue<ReportJobData, ReportJobResult> | undefined;
  private health: ProviderHealth | undefined;
  private readonly registry: ProviderRegistry;

  constructor(readonly config: Config) {
    this.ctx = new CliContext(config);
    this.registry = createProviders(config, { logger: { info: () => {} } });
  }

  async queues(): Promise<{ intake: Queue<IntakeJobData, IntakeJobResult>; reports: Queue<ReportJobData, ReportJobResult> }> {
    const redis = await this.ctx.redis();
    if (!this.intake) {
      this.intake = createIntakeQueue(redis, this.config.queuePrefix);
      this.reportsQueue = createReportsQueue(redis, this.config.queuePrefix);
      const intake = this.intake;
      const reports = this.reportsQueue;
      this.ctx.onClose(async () => {
        await intake.close();
        await reports.close();
      });
    }
    return { intake: this.intake, reports: this.reportsQueue! };
  }

  async pool() {
    return (await this.ctx.db()).pool;
  }

  async budgets(): Promise<BudgetStatus[]> {
    return new BudgetStore(await this.pool()).list();
  }

  async providers(): Promise<ProviderView[]> {
    this.health ??= new ProviderHealth(await this.ctx.redis(), this.config.queuePrefix);
    await this.health.refresh();
    const health = this.health;
    return PROVIDERS.map((provider) => {
      const missing = this.registry.unavailableReason(provider);
      if (missing) return { provider, state: 'unconfigured', reason: missing, until: null };
      const state = health.state(provider);
      if (state.state === 'ok') return { provider, state: 'ok', reason: null, until: null };
      return { provider, state: state.state, reason: state.reason, until: new Date(state.until) };
    });
  }

  async waitingForBudget(): Promise<Overview['waitingForBudget']> {
    const { rows } = await (await this.pool()).query<{ budget: string | null; jobs: number; until: Date | null }>(
      `select waiting_budget as budget, count(*)::int as jobs, min(wait_until) as until from jobs where status = 'waiting_budget' group by 1 order by 1`,
    );
    return rows.map((r) => ({ budget: r.budget ?? '(unknown)', jobs: r.jobs, until: r.until }));
  }

  async queueCounts(): Promise<Record<string, Record<string, number>>> {
    const { intake, reports } = await this.queues();
    const [a, b] = await Promise.all([intake.getJobCounts(...QUEUE_STATES), reports.getJobCounts(...QUEUE_STATES)]);
    return { [intake.name]: a, [reports.name]: b };
  }

  async overview(): Promise<Overview> {
    const pool = await this.pool();
    const { intake } = await this.queues();
    const [budgets, waitingForBudget, providers, unacknowledged, counts, paused, workers, inFlight, marks] = await Promise.all([
      this.budgets(),
      this.waitingForBudget(),
      this.providers(),
      new AlertStore(pool).list({ unacknowledged: true, limit: 50 }),
      intake.getJobCounts(...QUEUE_STATES),
      intake.isPaused(),
      intake.getWorkersCount(),
      pool.query<{ calls: number; reserved: string; batch_calls: number; batch_reserved: string }>(
        `select count(*)::int as calls, coalesce(sum(reserved_micros), 0) as reserved,
           (count(*) filter (where mode = 'batch'))::int as batch_calls, coalesce(sum(reserved_micros) filter (where mode = 'batch'), 0) as batch_reserved
         from ledger where status = 'reserved'`,
      ),
      pool.query<{ name: string; thresholds: number[] }>(
        `select b.name, array_agg(a.threshold order by a.threshold) as thresholds
         from budget_alerts a join budgets b on b.id = a.budget_id
         join lateral (select max(period_start) as current from budget_periods p where p.budget_id = b.id) cur on true
         where a.period_start = cur.current group by b.name`,
      ),
    ]);
    return {
      budgets,
      alertMarks: new Map(marks.rows.map((r) => [r.name, r.thresholds])),
      waitingForBudget,
      queue: { paused, counts, workers },
      inFlight: {
        calls: inFlight.rows[0]?.calls ?? 0,
        reservedMicros: Number(inFlight.rows[0]?.reserved ?? 0),
        batch: { calls: inFlight.rows[0]?.batch_calls ?? 0, reservedMicros: Number(inFlight.rows[0]?.batch_reserved ?? 0) },
      },
      providers,
      unacknowledged,
    };
  }

  async spend(options: { since?: string; until?: string; by: DailySpendGroup; tz: string; now?: Date }): Promise<SpendView> {
    const report = await collectSpend(this.ctx, { since: options.since, until: options.until, by: options.by, tz: options.tz, ...(options.now ? { now: options.now } : {}) });
    const pool = await this.pool();
    const from = new Date(report.from);
    const to = new Date(report.to);
    const [daily, estimates] = await Promise.all([queryDailySpend(pool, { from, to, tz: report.tz, by: options.by }), queryEstimateAccuracy(pool, from, to)]);
    const days: string[] = [];
    for (let d = report.since; d <= report.until && days.length < 400; d = addDays(d, 1)) days.push(d);
    return { report, days, daily, estimates };
  }

  async jobs(filter: { status?: string; limit?: number }): Promise<JobListRow[]> {
    const { rows } = await (await this.pool()).query<{
      job_id: string; kind: string; tier: string; status: string; route: { modelId?: string } | null; cost: string | null; error: string | null; updated_at: Date; parent_id: string | null;
    }>(
      `select j.job_id, j.kind, j.tier, j.status, j.route, r.cost_micros as cost, j.error, j.updated_at, j.parent_id
       from jobs j left join results r on r.job_id = j.job_id
       where ($1::text is null or j.status = $1) and j.parent_id is null
       order by j.updated_at desc, j.job_id limit $2`,
      [filter.status ?? null, filter.limit ?? 100],
    );
    return rows.map((r) => ({
      jobId: r.job_id,
      kind: r.kind,
      tier: r.tier,
      status: r.status,
      model: r.route?.modelId ?? null,
      costMicros: r.cost === null ? null : Number(r.cost),
      error: r.error,
      updatedAt: r.updated_at,
      parentId: r.parent_id,
    }));
  }

  async job(jobId: string): Promise<JobView | undefined> {
    const pool = await this.pool();
    const { rows } = await pool.query<{
      job_id: string; kind: string; tier: string; status: string; budgets: string[]; parent_id: string | null; error: string | null; waiting_budget: string | null;
      wait_until: Date | null; created_at: Date; finished_at: Date | null; route: Route | null; source: string | null;
    }>(`select *, payload->>'source' as source from jobs where job_id = $1`, [jobId]);
    const row = rows[0];
    if (!row) return undefined;
    const [calls, result, queueState] = await Promise.all([
      pool.query<{
        call_id: string; job_id: string; attempt: number; seq: number; model: string; provider: string; status: string; est_cost_micros: string; reserved_micros: string;
        cost_micros: string | null; act_input_tokens: number | null; act_output_tokens: number | null; started_at: Date; error: string | null;
      }>(`select * from ledger where job_id = $1 or starts_with(job_id, $1 || '-L') order by started_at, seq`, [jobId]),
      pool.query<{ model: string; output_text: string; output_json: unknown; cost_micros: string; calls: number }>(`select * from results where job_id = $1`, [jobId]),
      this.queues().then(async ({ intake }) => (await intake.getJob(jobId))?.getState() ?? null),
    ]);
    const r = result.rows[0];
    return {
      jobId: row.job_id,
      kind: row.kind,
      tier: row.tier,
      status: row.status,
      budgets: row.budgets,
      parentId: row.parent_id,
      error: row.error,
      waitingBudget: row.waiting_budget,
      waitUntil: row.wait_until,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      queueState: queueState ?? null,
      route: row.route,
      source: row.source,
      calls: calls.rows.map((c) => ({
        callId: c.call_id,
        jobId: c.job_id,
        attempt: c.attempt,
        seq: c.seq,
        model: c.model,
        provider: c.provider,
        status: c.status,
        estCostMicros: Number(c.est_cost_micros),
        reservedMicros: Number(c.reserved_micros),
        costMicros: c.cost_micros === null ? null : Number(c.cost_micros),
        inputTokens: c.act_input_tokens,
        outputTokens: c.act_output_tokens,
        startedAt: c.started_at,
        error: c.error,
      })),
      result: r ? { model: r.model, text: r.output_text, json: r.output_json, costMicros: Number(r.cost_micros), calls: r.calls } : null,
    };
  }

  async reports(): Promise<Array<Omit<StoredReport, 'markdown' | 'chartSvg'>>> {
    const { rows } = await (await this.pool()).query<{ id: number; day: string; tz: string; title: string; created_at: Date }>(
      `select id, to_char(day, 'YYYY-MM-DD') as day, tz, title, created_at from reports order by day desc, id desc limit 200`,
    );
    return rows.map((r) => ({ id: r.id, day: r.day, tz: r.tz, title: r.title, createdAt: r.created_at }));
  }

  async report(id: number): Promise<StoredReport | undefined> {
    const { rows } = await (await this.pool()).query<{ id: number; day: string; tz: string; title: string; markdown: string; chart_svg: string; created_at: Date }>(
      `select id, to_char(day, 'YYYY-MM-DD') as day, tz, title, markdown, chart_svg, created_at from reports where id = $1`,
      [id],
    );
    const r = rows[0];
    return r ? { id: r.id, day: r.day, tz: r.tz, title: r.title, markdown: r.markdown, chartSvg: r.chart_svg, createdAt: r.created_at } : undefined;
  }

  /** frugal's own job control: the same retry and cancel as `frugal jobs retry|cancel`. */
  async control(): Promise<JobControl> {
    const { intake } = await this.queues();
    const { db, pool } = await this.ctx.db();
    return new JobControl(intake, db, pool, new BudgetLedger(pool, { mode: 'perCall', logger: createLogger('silent') }));
  }

  async ackAlert(id: number): Promise<BudgetAlert> {
    return new AlertStore(await this.pool()).ack(id);
  }

  /** Redis and Postgres both answer. */
  async ready(): Promise<Readiness> {
    const [redis, postgres] = await Promise.all([answers(async () => (await this.ctx.redis()).ping()), answers(async () => (await this.pool()).query('select 1'))]);
    return { redis, postgres };
  }

  close(): Promise<void> {
    return this.ctx.close();
  }
}
