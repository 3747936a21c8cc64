import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetStore } from '../../src/budget/budget-store.js';
import { loadConfig, type Config } from '../../src/config.js';
import { parseJobSpec } from '../../src/jobs/job-spec.js';
import { createLogger } from '../../src/log.js';
import { loadCatalog } from '../../src/pricing/load-catalog.js';
import { catalogTokenizerFor } from '../../src/providers/sim/catalog-tokenizer-for.js';
import { startSimulator, type RunningSimulator } from '../../src/providers/sim/simulator.js';
import { openProducer, type OpenProducer } from '../../src/queue/open-producer.js';
import { FrugalWorker } from '../../src/workers/frugal-worker.js';
import { useTestEnv } from '../support/env.js';

const env = useTestEnv();
let sim: RunningSimulator;
let config: Config;
let worker: FrugalWorker;
let producer: OpenProducer;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tokenizerFor: catalogTokenizerFor(loadCatalog({ catalogPath: undefined, localUrl: undefined, localModel: 'llama3.1:8b' })) });
  config = loadConfig({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, FRUGAL_PREFIX: env.prefix, FRUGAL_SIM_URL: sim.url, LOG_LEVEL: 'silent' });
  await new BudgetStore(env.pool).set({ name: 'team', limitMicros: 5_000_000, period: 'day' });
  worker = await FrugalWorker.start(config, { concurrency: 8, logger: createLogger('silent') });
  producer = await openProducer(config);
});

afterAll(async () => {
  await worker?.close();
  await producer?.close();
  await sim?.close();
});

describe('the worker pipeline', () => {
  it('completes a mixed batch with a result and one settled ledger row per call', async () => {
    const specs = [
      parseJobSpec({ kind: 'summarize', tier: 'basic', payload: { text: 'The warehouse shipped 1,200 orders. Returns fell by ten percent. Staff asked for new scanners.' }, budgets: ['team'] }),
      parseJobSpec({ kind: 'classify', tier: 'advanced', payload: { text: 'I was charged twice this month', labels: ['billing', 'bug', 'other'] }, budgets: ['team'] }),
      parseJobSpec({
        kind: 'extract',
        tier: 'premium',
        payload: { text: 'Invoice 42 from ACME Corp, total 12.50 EUR', schema: { type: 'object', properties: { vendor: { type: 'string' }, total: { type: 'number' } }, required: ['vendor', 'total'] } },
        budgets: ['team'],
      }),
    ];
    const outcomes = await producer.producer.enqueue(specs);
    expect(outcomes.map((o) => o.status)).toEqual(['queued', 'queued', 'queued']);
    await worker.untilEmpty();
    const { rows } = await env.pool.query<{ job_id: string; model: string; cost_micros: string }>('select job_id, model, cost_micros from results order by job_id');
    expect(rows).toHaveLength(3);
    const ledger = await env.pool.query<{ status: string; n: string }>('select status, count(*) as n from ledger group by status');
    expect(ledger.rows).toEqual([{ status: 'settled', n: '3' }]);
    const spent = await env.pool.query<{ spent: string }>('select sum(spent_micros) as spent from budget_periods');
    const charged = await env.pool.query<{ cost: string }>('select sum(cost_micros) as cost from ledger');
    expect(spent.rows[0]!.spent).toBe(charged.rows[0]!.cost);
  });
});
