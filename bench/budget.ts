import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { BudgetLedger, newCallId, type BudgetLedgerOptions } from '../src/budget/budget-ledger.js';
import { BudgetStore } from '../src/budget/budget-store.js';
import { openDb } from '../src/db/client.js';
import { migrate, quoteIdent } from '../src/db/migrate.js';
import type { BenchFn, BenchSection } from './section.js';

/** Server the bench creates its own database on (dropped afterwards). */
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CALLERS = 50;
const SECONDS = Number(process.env.BENCH_BUDGET_SECONDS ?? 3);

/**
 * Reservations plus settlements per second on one hot hard budget with 50 concurrent callers:
 * each caller reserves, then settles at a random cost below the reservation, in a loop. One
 * "pair" is a reservation and its settlement. Grouped (group commit) and per-call transactions.
 */
export const benchBudget: BenchFn = async () => {
  const name = `frugal_bench_budget_${Math.floor(Date.now() / 1000)}_${randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
  try {
    const grouped = await measure(databaseUrl, 'grouped', { mode: 'grouped' });
    const perCall = await measure(databaseUrl, 'per-call', { mode: 'perCall' });
    const section: BenchSection = {
      title: 'Budgets (one hot budget, 50 concurrent callers)',
      rows: [
        { name: 'reserve + settle, group commit', value: Math.round(grouped.pairsPerSecond), unit: 'pairs/s', note: `target ≥ 2,000; ${grouped.note}` },
        { name: 'reserve + settle, one transaction per call', value: Math.round(perCall.pairsPerSecond), unit: 'pairs/s', note: perCall.note },
      ],
      results: {
        'budget.reserveSettlePerSecond': Math.round(grouped.pairsPerSecond),
        'budget.perCallReserveSettlePerSecond': Math.round(perCall.pairsPerSecond),
      },
    };
    return section;
  } finally {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`).catch(() => {});
    await admin.end();
  }
};

async function measure(databaseUrl: string, label: string, options: BudgetLedgerOptions): Promise<{ pairsPerSecond: number; note: string }> {
  const handle = await openDb(databaseUrl, { max: options.mode === 'perCall' ? CALLERS : 4, applicationName: `frugal-bench-${label}` });
  try {
    const store = new BudgetStore(handle.pool);
    const budget = `hot-${label}`;
    await store.set({ name: budget, limitMicros: 1_000_000_000_000, period: 'total', thresholds: [] });
    const ledger = new BudgetLedger(handle.pool, { ...options, logger: pino({ level: 'silent' }) });
    const run = async (untilMs: number) => {
      let pairs = 0;
      let refused = 0;
      const caller = async () => {
        while (Date.now() < untilMs) {
          const maxCostMicros = 1_000 + Math.floor(Math.random() * 9_000);
          const callId = newCallId();
          const reserved = await ledger.reserve({ callId, jobId: 'bench', kind: 'summarize', model: 'm', provider: 'local', budgetNames: [budget], maxCostMicros });
          if (!reserved.ok) {
            refused += 1;
            continue;
          }
          await ledger.settle(callId, { costMicros: Math.floor(maxCostMicros / 2), usage: { inputTokens: 100, cachedInputTokens: 0, outputTokens: 50 } });
          pairs += 1;
        }
      };
      await Promise.all(Array.from({ length: CALLERS }, caller));
      return { pairs, refused };
    };
    await run(Date.now() + 500); // warm-up: connections, prepared statements
    const started = performance.now();
    const { pairs, refused } = await run(Date.now() + SECONDS * 1000);
    const seconds = (performance.now() - started) / 1000;
    const audit = await store.audit();
    if (audit.length > 0) throw new Error(`budget counters drifted from the ledger during the bench: ${JSON.stringify(audit)}`);
    return { pairsPerSecond: pairs / seconds, note: `${pairs} pairs in ${seconds.toFixed(1)} s${refused ? `, ${refused} refused` : ''}; counters audited equal to ledger` };
  } finally {
    await handle.close();
  }
}


if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const section = await benchBudget();
  console.log(section.title);
  for (const row of section.rows) console.log(`  ${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}`);
  console.log(JSON.stringify(section.results));
}
