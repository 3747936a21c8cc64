import type pg from 'pg';
import type { Catalog } from '../pricing/catalog.js';
import { costMicros } from '../pricing/cost-micros.js';
import { KINDS, TIERS, ratingMeetsTier, type Kind, type Tier } from '../pricing/types.js';
import { LearnedRatingStore } from '../router/learned-rating-store.js';
import { ratingInForce } from '../router/route.js';
import { JOB_CALLS, SPENT_STATUSES } from './query-spend.js';
import type { QualityFigures } from './report-figures.js';

/**
 * The report's quality section: agreement per model and kind from the latest eval run of each
 * kind; the day's settled job calls re-priced on the cheapest model whose rating in force (learned
 * ratings applied) meets the job's tier — windows and provider health aside; and the day's eval
 * and judge spend.
 */
export async function gatherQualityFigures(pool: pg.Pool, catalog: Catalog, from: Date, to: Date): Promise<QualityFigures> {
  const latest = await pool.query<{ id: number; kind: string; reference: string; summary: { models: Array<{ model: string; items: number; agreement: number; lower: number; upper: number }> } | null }>(
    `select distinct on (kind) id, kind, reference, summary from eval_runs where finished_at is not null order by kind, finished_at desc`,
  );
  const agreement: QualityFigures['agreement'] = latest.rows.flatMap((run) =>
    (run.summary?.models ?? []).map((m) => ({ kind: run.kind, model: m.model, reference: run.reference, items: m.items, agreement: m.agreement, lower: m.lower, upper: m.upper, runId: run.id })),
  );

  const spend = await pool.query<{ purpose: string; cost: string; calls: number }>(
    `select purpose, coalesce(sum(cost_micros), 0) as cost, count(*)::int as calls from ledger
     where status in ${SPENT_STATUSES} and started_at >= $1 and started_at < $2 and purpose <> 'job' group by purpose`,
    [from, to],
  );
  const evalSpend = { evalMicros: 0, judgeMicros: 0, calls: 0 };
  for (const row of spend.rows) {
    if (row.purpose === 'judge') evalSpend.judgeMicros += Number(row.cost);
    else evalSpend.evalMicros += Number(row.cost);
    evalSpend.calls += row.calls;
  }

  const learned = await new LearnedRatingStore(pool).load();
  if (learned.size === 0) return { agreement, learnedRouting: null, evalSpend };
  const calls = await pool.query<{ kind: string; tier: string | null; private: boolean | null; input: number; cached: number | null; output: number; cost: string; n: number }>(
    `select l.kind, j.tier, j.private, l.act_input_tokens as input, l.act_cached_input_tokens as cached, l.act_output_tokens as output, sum(l.cost_micros) as cost, count(*)::int as n
     from ledger l left join jobs j on j.job_id = l.job_id
     where l.status = 'settled' and l.${JOB_CALLS} and l.started_at >= $1 and l.started_at < $2 and l.act_input_tokens is not null and l.act_output_tokens is not null
     group by 1, 2, 3, 4, 5, 6`,
    [from, to],
  );
  let actualMicros = 0;
  let learnedMicros = 0;
  let n = 0;
  for (const row of calls.rows) {
    const actual = Number(row.cost);
    actualMicros += actual;
    n += row.n;
    const kind = row.kind as Kind;
    const tier = row.tier as Tier | null;
    if (!(KINDS as readonly string[]).includes(kind) || tier === null || !(TIERS as readonly string[]).includes(tier)) {
      learnedMicros += actual;
      continue;
    }
    const usage = { inputTokens: row.input, cachedInputTokens: row.cached ?? 0, outputTokens: row.output };
    const prices = catalog
      .list()
      .filter((m) => ratingMeetsTier(ratingInForce(m, kind, learned).rating, tier) && (!row.private || m.provider === 'local'))
      .map((m) => costMicros(usage, m) * row.n);
    learnedMicros += prices.length > 0 ? Math.min(...prices) : actual;
  }
  return { agreement, learnedRouting: { actualMicros, learnedMicros, calls: n }, evalSpend };
}
