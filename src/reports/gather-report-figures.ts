import type pg from 'pg';
import type { Catalog } from '../pricing/catalog.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { costMicros } from '../pricing/cost-micros.js';
import { KINDS, type Kind } from '../pricing/types.js';
import { gatherQualityFigures } from './gather-quality-figures.js';
import { JOB_CALLS, REPORT_TITLE_PREFIX, SPENT_STATUSES, dayRange, notReportSummarySql, querySpend, querySpendTotal } from './query-spend.js';
import type { AlertFigure, EstimateFigures, JobFigures, PremiumFigures, ReportFigures } from './report-figures.js';

export interface GatherOptions {
  /**
   * Leave out daily reports' own summary jobs and their calls. Default false. The report asks
   * for its summary on figures gathered this way, so its own summary does not make the next run
   * see new figures and pay for another.
   */
  withoutReportSummaries?: boolean;
}

/**
 * Gathers one calendar day's figures (in `tz`) from Postgres: the ledger for money, the jobs
 * table for outcomes, budget_alerts for alerts. Pure reads; exact integer sums.
 */
export async function gatherReportFigures(pool: pg.Pool, catalog: Catalog, date: string, tz: string, options: GatherOptions = {}): Promise<ReportFigures> {
  const { from, to } = await dayRange(pool, date, date, tz);
  const own = options.withoutReportSummaries ?? false;
  // Eval and judge calls are left out of the job figures; the quality section shows them apart.
  const [total, byBudget, byModel, byKind, jobs, estimate, premium, alerts, quality] = await Promise.all([
    querySpendTotal(pool, from, to, { withoutReportSummaries: own, jobsOnly: true }),
    querySpend(pool, { from, to, by: 'budget', withoutReportSummaries: own, jobsOnly: true }),
    querySpend(pool, { from, to, by: 'model', withoutReportSummaries: own, jobsOnly: true }),
    querySpend(pool, { from, to, by: 'kind', withoutReportSummaries: own, jobsOnly: true }),
    jobFigures(pool, from, to, own),
    estimateFigures(pool, from, to, own),
    premiumFigures(pool, catalog, from, to, own),
    alertFigures(pool, from, to),
    gatherQualityFigures(pool, catalog, from, to),
  ]);
  return {
    date,
    tz,
    from: from.toISOString(),
    to: to.toISOString(),
    spend: { totalMicros: total.totalMicros, calls: total.calls, byBudget, byModel, byKind },
    jobs,
    estimate,
    premium,
    alerts,
    quality,
  };
}

async function jobFigures(pool: pg.Pool, from: Date, to: Date, withoutReportSummaries: boolean): Promise<JobFigures> {
  const { rows } = await pool.query<{ kind: string; part: boolean; status: string; n: number }>(
    `select kind, parent_id is not null as part, status, count(*)::int as n from jobs
     where finished_at >= $1 and finished_at < $2 and status in ('completed', 'failed', 'cancelled')
       ${withoutReportSummaries ? `and not (kind = 'report' and starts_with(payload->>'title', '${REPORT_TITLE_PREFIX}'))` : ''}
     group by 1, 2, 3`,
    [from, to],
  );
  const waiting = await pool.query<{ n: number }>(`select count(*)::int as n from jobs where status = 'waiting_budget'`);
  const figures: JobFigures = { completed: 0, failed: 0, cancelled: 0, waitingForBudget: waiting.rows[0]?.n ?? 0, partsCompleted: 0, byKind: [] };
  const byKind = new Map<string, { kind: string; completed: number; failed: number }>();
  for (const row of rows) {
    if (row.part) {
      if (row.status === 'completed') figures.partsCompleted += row.n;
      continue;
    }
    if (row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled') figures[row.status] += row.n;
    if (row.status === 'cancelled') continue;
    const entry = byKind.get(row.kind) ?? { kind: row.kind, completed: 0, failed: 0 };
    entry[row.status === 'completed' ? 'completed' : 'failed'] += row.n;
    byKind.set(row.kind, entry);
  }
  figures.byKind = [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
  return figures;
}

async function estimateFigures(pool: pg.Pool, from: Date, to: Date, withoutReportSummaries: boolean): Promise<EstimateFigures> {
  const { rows } = await pool.query<{ model: string; calls: number; est: string; act: string }>(
    `select model, count(*)::int as calls, sum(est_cost_micros) as est, sum(cost_micros) as act from ledger l
     where status = 'settled' and not usage_estimated and started_at >= $1 and started_at < $2 and ${JOB_CALLS}${withoutReportSummaries ? ` and ${notReportSummarySql('l')}` : ''}
     group by model order by model`,
    [from, to],
  );
  const byModel = rows.map((r) => ({
    model: r.model,
    calls: r.calls,
    estimatedMicros: Number(r.est),
    actualMicros: Number(r.act),
    errorPercent: percentError(Number(r.est), Number(r.act)),
  }));
  const estimatedMicros = byModel.reduce((sum, r) => sum + r.estimatedMicros, 0);
  const actualMicros = byModel.reduce((sum, r) => sum + r.actualMicros, 0);
  return { calls: byModel.reduce((sum, r) => sum + r.calls, 0), estimatedMicros, actualMicros, errorPercent: percentError(estimatedMicros, actualMicros), byModel };
}

/**
 * Re-prices each settled call's reported usage on the premium-rated models for its kind and
 * keeps, per kind, the premium model that would have been cheapest for that kind's whole day.
 * The same token counts are used (the premium model's tokenizer may count more), so the saving
 * shown is conservative. Calls without usage (closed as spent) count at their own cost.
 */
async function premiumFigures(pool: pg.Pool, catalog: Catalog, from: Date, to: Date, withoutReportSummaries: boolean): Promise<PremiumFigures> {
  const { rows } = await pool.query<{ kind: string; priced: boolean; input: number | null; cached: number | null; output: number | null; n: number; cost: string }>(
    `select kind, (status = 'settled' and act_input_tokens is not null and act_output_tokens is not null) as priced,
       act_input_tokens as input, act_cached_input_tokens as cached, act_output_tokens as output,
       count(*)::int as n, sum(cost_micros) as cost
     from ledger l
     where status in ${SPENT_STATUSES} and started_at >= $1 and started_at < $2 and ${JOB_CALLS}${withoutReportSummaries ? ` and ${notReportSummarySql('l')}` : ''}
     group by 1, 2, 3, 4, 5`,
    [from, to],
  );
  const kinds = new Map<string, { actual: number; unpriced: number; usages: Array<{ input: number; cached: number; output: number; n: number }> }>();
  for (const row of rows) {
    const entry = kinds.get(row.kind) ?? { actual: 0, unpriced: 0, usages: [] };
    entry.actual += Number(row.cost);
    if (row.priced) entry.usages.push({ input: row.input!, cached: row.cached ?? 0, output: row.output!, n: row.n });
    else entry.unpriced += Number(row.cost);
    kinds.set(row.kind, entry);
  }
  const byKind: PremiumFigures['byKind'] = [];
  for (const [kind, entry] of [...kinds.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    let best: { model: CatalogModel; micros: number } | undefined;
    for (const model of premiumModels(catalog, kind)) {
      let micros = 0;
      for (const u of entry.usages) micros += costMicros({ inputTokens: u.input, cachedInputTokens: u.cached, outputTokens: u.output }, model) * u.n;
      if (!best || micros < best.micros) best = { model, micros };
    }
    // With no premium-rated model for the kind there is nothing to compare with: no saving claimed.
    const equivalentMicros = best ? best.micros + entry.unpriced : entry.actual;
    byKind.push({ kind, premiumModel: best?.model.id ?? null, actualMicros: entry.actual, equivalentMicros });
  }
  const equivalentMicros = byKind.reduce((sum, k) => sum + k.equivalentMicros, 0);
  const actualMicros = byKind.reduce((sum, k) => sum + k.actualMicros, 0);
  const savingMicros = equivalentMicros - actualMicros;
  return {
    equivalentMicros,
    actualMicros,
    savingMicros,
    savingPercent: equivalentMicros > 0 ? round1((savingMicros * 100) / equivalentMicros) : null,
    byKind,
  };
}

function premiumModels(catalog: Catalog, kind: string): CatalogModel[] {
  if (!(KINDS as readonly string[]).includes(kind)) return [];
  return catalog.list().filter((m) => m.ratings[kind as Kind] === 'premium');
}

async function alertFigures(pool: pg.Pool, from: Date, to: Date): Promise<AlertFigure[]> {
  const { rows } = await pool.query<{ budget_name: string; threshold: number; spent_micros: string; limit_micros: string; hard: boolean; created_at: Date }>(
    `select budget_name, threshold, spent_micros, limit_micros, hard, created_at from budget_alerts
     where created_at >= $1 and created_at < $2 order by created_at, budget_name, threshold`,
    [from, to],
  );
  return rows.map((r) => ({
    budgetName: r.budget_name,
    threshold: r.threshold,
    spentMicros: Number(r.spent_micros),
    limitMicros: Number(r.limit_micros),
    hard: r.hard,
    createdAt: r.created_at.toISOString(),
  }));
}

function percentError(estimated: number, actual: number): number | null {
  return estimated > 0 ? round1(((actual - estimated) * 100) / estimated) : null;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
