import { pathToFileURL } from 'node:url';
import { parseJobSpec, type JobSpec } from '../src/jobs/job-spec.js';
import type { BenchFn, BenchRow, BenchSection } from './section.js';
import { createBenchEnv } from './support/bench-env.js';
import { enqueue, round, untilFinished, whilePaused } from './support/batches.js';
import { writeCatalogFile } from './support/catalog-file.js';
import { documents } from './support/documents.js';
import { spawnSimulator, type SimProcess } from './support/sim-process.js';
import { spawnWorker } from './support/spawn-worker.js';

const WINDOW_MS = 1_000;
/** Windows measured, after `SETTLE_WINDOWS` during which the backlog spreads out. */
const WINDOWS = Number(process.env.BENCH_RATE_WINDOWS ?? 12);
const SETTLE_WINDOWS = 2;
const WARMUP_JOBS = 60;
const MODEL = 'llama-3.1-8b';
const PROVIDER_MODEL = 'llama-3.1-8b-instant';

/** Two allowances: one where the request limit binds, one where the token limit does. */
const SCENARIOS = [
  { name: 'requests bind', requests: 120, tokens: 24_000 },
  { name: 'tokens bind', requests: 120, tokens: 14_000 },
] as const;

interface Outcome {
  share: number;
  requestShare: number;
  tokenShare: number;
  requests: number;
  tokens: number;
  count429: number;
  calls: number;
  completed: number;
  backlog: number;
}

/**
 * Rate-limit saturation: the simulator accepts R requests and T tokens per 1-second window for
 * one model and answers 429 beyond; the catalog gives frugal the same allowance. A backlog larger
 * than the measured windows can take runs through one worker; the figure is the share of the
 * allowance used (answered 200 by the simulator) over whole windows, and the 429s over the whole
 * run. Once with the request limit binding, once with the token limit binding.
 */
export const benchRateLimit: BenchFn = async (): Promise<BenchSection> => {
  const rows: BenchRow[] = [];
  const outcomes: Outcome[] = [];
  for (const scenario of SCENARIOS) {
    const outcome = await runScenario(scenario.requests, scenario.tokens);
    outcomes.push(outcome);
    const share429 = outcome.count429 / Math.max(1, outcome.calls);
    rows.push(
      {
        name: `share of the allowed rate, ${scenario.name}`,
        value: (outcome.share * 100).toFixed(1),
        unit: '%',
        note: `${scenario.requests} req + ${scenario.tokens.toLocaleString('en-US')} tokens per window; target ≥ 95 %: ${outcome.share >= 0.95 ? 'met' : `MISSED by ${((0.95 - outcome.share) * 100).toFixed(1)} points`}; ${outcome.requests} requests (${(outcome.requestShare * 100).toFixed(1)} %), ${outcome.tokens.toLocaleString('en-US')} tokens (${(outcome.tokenShare * 100).toFixed(1)} %) in ${WINDOWS} windows`,
      },
      {
        name: `calls answered 429, ${scenario.name}`,
        value: outcome.count429,
        unit: 'calls',
        note: `${(share429 * 100).toFixed(2)} % of ${outcome.calls} calls; target < 1 %: ${share429 < 0.01 ? 'met' : 'MISSED'}`,
      },
    );
  }
  const share = Math.min(...outcomes.map((o) => o.share));
  const count429 = outcomes.reduce((sum, o) => sum + o.count429, 0);
  const calls = outcomes.reduce((sum, o) => sum + o.calls, 0);
  return {
    title: `Rate-limit saturation (one model limited per ${WINDOW_MS / 1000} s window by the simulator, the same allowance in the catalog; one worker, a backlog larger than the run)`,
    rows,
    results: {
      'rateLimit.shareOfAllowed': round(share, 4),
      'rateLimit.count429': count429,
      'rateLimit.share429': round(count429 / Math.max(1, calls), 5),
      'rateLimit.calls': calls,
      'rateLimit.requestsBindShare': round(outcomes[0]!.share, 4),
      'rateLimit.tokensBindShare': round(outcomes[1]!.share, 4),
    },
  };
};

async function runScenario(requests: number, tokens: number): Promise<Outcome> {
  const catalogPath = writeCatalogFile({ [MODEL]: { rateLimits: { rpm: requests, tpm: tokens, windowSeconds: WINDOW_MS / 1000 } } });
  const sim = await spawnSimulator({
    env: { FRUGAL_CATALOG: catalogPath },
    config: { windowMs: WINDOW_MS, models: { [PROVIDER_MODEL]: { requestsPerWindow: requests, tokensPerWindow: tokens } } },
  });
  const env = await createBenchEnv('ratelimit', { FRUGAL_SIM_URL: sim.url, FRUGAL_CATALOG: catalogPath });
  const backlog = requests * (WINDOWS + SETTLE_WINDOWS + 4);
  try {
    const worker = await spawnWorker({ ...env.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' }, { mode: 'frugal', concurrency: 64 });
    try {
      // Warm-up, so neither process is cold when counting starts (a cold simulator loads its
      // encoder on the first request and answers requests admitted in one window in the next).
      await enqueue(env.config, specs(WARMUP_JOBS, `rl-warm-${tokens}-`));
      await untilFinished(worker, WARMUP_JOBS, 60_000);
      await whilePaused(env.config, async () => {
        await enqueue(env.config, specs(backlog, `rl-${tokens}-`));
        // Start just after a window boundary, with the simulator's counters at zero.
        await sleepUntil(nextBoundary(Date.now()) + 5);
        await sim.reset();
        await worker.reset();
      });
      const start = nextBoundary(Date.now()) + SETTLE_WINDOWS * WINDOW_MS;
      const timeline = process.env.BENCH_RATE_TIMELINE ? traceTimeline(sim, start + WINDOWS * WINDOW_MS) : undefined;
      await sleepUntil(start);
      const before = await modelStats(sim);
      await sleepUntil(start + WINDOWS * WINDOW_MS);
      const after = await modelStats(sim);
      const workerStats = await worker.stats();
      await timeline;
      const measuredRequests = after.ok - before.ok;
      const measuredTokens = after.tokens - before.tokens;
      const requestShare = measuredRequests / (requests * WINDOWS);
      const tokenShare = measuredTokens / (tokens * WINDOWS);
      return {
        share: Math.max(requestShare, tokenShare),
        requestShare,
        tokenShare,
        requests: measuredRequests,
        tokens: measuredTokens,
        count429: after.count429,
        calls: after.requests,
        completed: workerStats.completed,
        backlog,
      };
    } finally {
      await worker.close();
    }
  } finally {
    await sim.close();
    await env.dispose();
  }
}

/** Short classify jobs (about 130 tokens a call): cheap on both sides, so the limit binds, not the CPU. */
function specs(count: number, salt: string): JobSpec[] {
  return documents(count, 300, salt).map((text) => parseJobSpec({ kind: 'classify', tier: 'basic', payload: { text, labels: ['licence', 'contract', 'other'] } }));
}

async function modelStats(sim: SimProcess): Promise<{ ok: number; count429: number; requests: number; tokens: number }> {
  const stats = (await sim.stats()).models[PROVIDER_MODEL];
  return {
    ok: stats?.byStatus['200'] ?? 0,
    count429: stats?.byStatus['429'] ?? 0,
    requests: stats?.requests ?? 0,
    tokens: (stats?.inputTokens ?? 0) + (stats?.outputTokens ?? 0),
  };
}

/** Debugging aid (BENCH_RATE_TIMELINE=1): the simulator's counters every 20 ms, on stderr. */
async function traceTimeline(sim: SimProcess, until: number): Promise<void> {
  let last = '';
  while (Date.now() < until) {
    const s = await modelStats(sim);
    const line = `${s.ok} ok, ${s.count429} × 429`;
    if (line !== last) process.stderr.write(`${Math.floor(Date.now() / WINDOW_MS) % 100}.${String(Date.now() % WINDOW_MS).padStart(3, '0')} ${line}\n`);
    last = line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function nextBoundary(now: number): number {
  return now - (now % WINDOW_MS) + WINDOW_MS;
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = await benchRateLimit();
  process.stdout.write(`${section.title}\n`);
  for (const row of section.rows) process.stdout.write(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  process.stdout.write(`${JSON.stringify(section.results)}\n`);
}
