import { beforeAll, describe, expect, it } from 'vitest';
import { BudgetLedger } from '../../src/budget/budget-ledger.js';
import { BudgetStore } from '../../src/budget/budget-store.js';
import type { EvalReport } from '../../src/cli/commands/eval.js';
import { EvalCaller } from '../../src/evals/eval-caller.js';
import type { EvalForecast } from '../../src/evals/forecast-eval.js';
import { runEval } from '../../src/evals/run-eval.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { gatherReportFigures } from '../../src/reports/gather-report-figures.js';
import { renderReportMarkdown } from '../../src/reports/render-report-markdown.js';
import { createLogger } from '../../src/log.js';
import { NO_CALIBRATION } from '../../src/pricing/calibration.js';
import { createProviders, type ProviderRegistry } from '../../src/providers/create-providers.js';
import type { ChatRequest } from '../../src/providers/types.js';
import { jobIdFor } from '../../src/queue/job-id.js';
import { useTestEnv } from '../support/env.js';
import { usePipeline } from '../support/pipeline.js';
import { budgetsMatchLedger } from '../support/queries.js';
import { ROOMY_CATALOG, classifyJobs, runEvalCommand } from './support.js';

const env = useTestEnv();
// GPT-4o mini writes weak summaries; the self-hosted model is served by the simulator too.
const pipeline = usePipeline(env, { local: true, catalog: ROOMY_CATALOG, sim: { models: { 'gpt-4o-mini': { weakSummaryRate: 1 } } } });

const privateJobs = classifyJobs(3, 'basic', 'private ').map((s) => ({ ...s, private: true }));
const hostedJobs = classifyJobs(6, 'premium', 'hosted ');
const documents = [
  'The harbour crane failed twice in May. Repairs cost forty thousand euros. A new crane is ordered for autumn.',
  'Sales in the north region grew by twelve percent. The south region stayed flat. Marketing will move budget north.',
];
const summaries = documents.map((text) => parseJobSpec({ kind: 'summarize', tier: 'premium', payload: { text, maxWords: 40 } }));

const budgetSpent = async (name: string) =>
  Number((await env.pool.query<{ spent: string }>('select coalesce(sum(p.spent_micros), 0) as spent from budget_periods p join budgets b on b.id = p.budget_id where b.name = $1', [name])).rows[0]!.spent);
const evalCost = async () => Number((await env.pool.query<{ cost: string }>("select coalesce(sum(cost_micros), 0) as cost from ledger where purpose <> 'job' and status = 'settled'")).rows[0]!.cost);

beforeAll(async () => {
  const budgets = new BudgetStore(env.pool);
  await budgets.set({ name: 'classify-work', limitMicros: 10_000_000, period: 'day', scope: 'kind:classify' });
  await budgets.set({ name: 'everything', limitMicros: 10_000_000, period: 'day', scope: 'global' });
  await budgets.set({ name: 'evals', limitMicros: 10_000_000, period: 'day' });
  await pipeline.producer.producer.enqueue([...privateJobs, ...hostedJobs, ...summaries]);
  await pipeline.worker!.untilEmpty();
});

describe('eval calls', () => {
  it('forecast their cost with --dry-run and call nothing', async () => {
    const calls = (await env.pool.query('select count(*)::int as n from ledger')).rows[0].n as number;
    const forecast = (await runEvalCommand(pipeline, { kind: 'classify', sample: 10, models: ['llama-3.1-8b', 'gpt-4o-mini'] }, { dryRun: true })) as EvalForecast;
    expect(forecast.items).toBe(6);
    expect(forecast.calls).toBe(12);
    expect(forecast.expectedCostMicros).toBeGreaterThan(0);
    expect(forecast.maxCostMicros).toBeGreaterThanOrEqual(forecast.expectedCostMicros);
    expect((await env.pool.query('select count(*)::int as n from ledger')).rows[0].n).toBe(calls);
  });

  it('never replay private jobs on hosted models', async () => {
    const report = (await runEvalCommand(pipeline, { kind: 'classify', sample: 50 })) as EvalReport;
    expect(report.models.map((m) => m.model)).toContain('local-llama');
    expect(report.sample.skipped.private).toBe(3);
    expect(report.sample.items).toBe(6);
    for (const spec of privateJobs) {
      const { rows } = await env.pool.query("select model from ledger where purpose <> 'job' and job_id like $1", [`%:${jobIdFor(spec)}`]);
      expect(rows).toEqual([]);
    }
  });

  it('change neither results nor kind: budgets, and are charged to --budget and global budgets', async () => {
    const results = (await env.pool.query('select * from results order by job_id')).rows;
    const kindSpent = await budgetSpent('classify-work');
    const globalSpent = await budgetSpent('everything');
    const costBefore = await evalCost();
    const report = (await runEvalCommand(pipeline, { kind: 'classify', sample: 6, models: ['llama-3.1-8b', 'gemini-flash'], budget: 'evals' })) as EvalReport;
    expect(report.evalCostMicros).toBeGreaterThan(0);
    expect(await evalCost()).toBe(costBefore + report.evalCostMicros);
    expect((await env.pool.query('select * from results order by job_id')).rows).toEqual(results);
    expect(await budgetSpent('classify-work')).toBe(kindSpent);
    expect(await budgetSpent('everything')).toBe(globalSpent + report.evalCostMicros);
    expect(await budgetSpent('evals')).toBe(report.evalCostMicros);
    for (const row of await budgetsMatchLedger(env.pool)) expect(row).toMatchObject({ spent: row.ledger, reserved: 0 });
    const { rows } = await env.pool.query<{ purpose: string; n: number }>("select purpose, count(*)::int as n from ledger where job_id like $1 group by purpose", [`eval:${report.runId}:%`]);
    expect(rows).toEqual([{ purpose: 'eval', n: 12 }]);
  });

  it('ask the judge of summaries in both orders, and a weak summary loses both times', async () => {
    const judged: ChatRequest[] = [];
    const inner = createProviders(pipeline.config, { logger: createLogger('silent') });
    const providers: ProviderRegistry = {
      ...inner,
      get: (id) => {
        const provider = inner.get(id);
        return provider && { id: provider.id, chat: (request: ChatRequest) => (request.output?.name === 'verdict' && judged.push(request), provider.chat(request)) };
      },
    };
    const ledger = new BudgetLedger(env.pool, { mode: 'perCall', logger: createLogger('silent') });
    const deps = { pool: env.pool, catalog: pipeline.catalog, calibration: NO_CALIBRATION, providers };
    const report = await runEval({ ...deps, caller: new EvalCaller({ ...deps, ledger, budgetNames: [] }) }, { kind: 'summarize', models: ['gpt-4o-mini'] });
    const row = report.models[0]!;
    expect(row).toMatchObject({ model: 'gpt-4o-mini', judge: 'claude-haiku', items: 2, agreements: 0, flips: 0 });
    expect(row.disagreements[0]!.reason).toBe('judged worse than the reference in both orders');
    expect(judged).toHaveLength(4);
    const sections = (r: ChatRequest) => [...r.messages[0]!.content.matchAll(/^Answer [AB]:\n<<<\n([\s\S]*?)\n>>>$/gm)].map((m) => m[1]);
    for (let i = 0; i < judged.length; i += 2) {
      const [a1, b1] = sections(judged[i]!);
      const [a2, b2] = sections(judged[i + 1]!);
      expect(a1).not.toBe(b1);
      expect([a2, b2]).toEqual([b1, a1]);
    }
    expect(judged.every((r) => r.model === 'claude-haiku-5-5')).toBe(true);
    expect(report.judgeCostMicros).toBeGreaterThan(0);
  });

  it('are left out of the report\'s spend and shown on their own line in its quality section', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const figures = await gatherReportFigures(env.pool, pipeline.catalog, today, 'UTC');
    const sum = async (purpose: string) =>
      Number((await env.pool.query<{ c: string }>("select coalesce(sum(cost_micros), 0) as c from ledger where status = 'settled' and purpose = $1", [purpose])).rows[0]!.c);
    expect(figures.spend.totalMicros).toBe(await sum('job'));
    expect(figures.quality!.evalSpend).toMatchObject({ evalMicros: await sum('eval'), judgeMicros: await sum('judge') });
    expect(figures.quality!.agreement.map((a) => `${a.kind}/${a.model}`)).toEqual(expect.arrayContaining(['classify/llama-3.1-8b', 'summarize/gpt-4o-mini']));
    expect(renderReportMarkdown({ title: 'test', figures, summary: { status: 'skipped', jobId: null, text: null, model: null, costMicros: 0, reason: null }, chartSvg: '<svg/>', generatedAt: new Date() })).toMatch(/## Quality[\s\S]*Eval and judge calls/);
  });
});
