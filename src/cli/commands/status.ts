import type { Command } from 'commander';
import { BudgetStore } from '../../budget/budget-store.js';
import { formatDollars } from '../../pricing/money.js';
import { PROVIDERS, type ProviderId } from '../../pricing/types.js';
import { createProviders } from '../../providers/create-providers.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { ProviderHealth } from '../../workers/provider-health.js';
import { ProviderLimiter } from '../../workers/provider-limiter.js';
import { intakeQueue, reportsQueue } from '../cli-queues.js';
import { withContext, type CliContext } from '../context.js';
import { bold, dim, green, printJson, red, formatTable, yellow } from '../output.js';
import { formatTableTime, formatTime, timeHeader } from '../format-time.js';

/** `frugal status --json`. */
export interface StatusReport {
  queue: {
    name: string;
    paused: boolean;
    /** Jobs per BullMQ state (camelCase: `waitingChildren`). */
    counts: Record<'waiting' | 'prioritized' | 'active' | 'delayed' | 'waitingChildren' | 'completed' | 'failed', number>;
    /** Worker processes connected to the queue. */
    workers: number;
  };
  /** Provider calls under way: ledger rows still reserved. */
  inFlight: { calls: number; reservedMicros: number; sync: { calls: number; reservedMicros: number }; batch: { calls: number; reservedMicros: number } };
  waitingForBudget: { jobs: number; byBudget: Array<{ budget: string; jobs: number; until: string | null }> };
  /** Models whose rate limit is delaying jobs now: the latest slot handed out to a refused job. */
  rateLimited: Array<{ model: string; nextSlotAt: string; refusals: number }>;
  /** Every budget in its current period (a day for daily budgets). */
  budgets: Array<{
    name: string;
    period: string;
    periodStart: string;
    limitMicros: number;
    spentMicros: number;
    reservedMicros: number;
    remainingMicros: number;
    hard: boolean;
    exhausted: boolean;
  }>;
  providers: Array<{
    provider: ProviderId;
    configured: boolean;
    /** Why it is not configured, or why it takes no calls now. */
    reason: string | null;
    /** `ok`, `slowed` (429), `cooling` (repeated errors), `disabled` (bad key), or `unconfigured`. */
    state: 'ok' | 'slowed' | 'cooling' | 'disabled' | 'unconfigured';
    /** End of a slow-down, cool-down or disable (ISO 8601). */
    until: string | null;
  }>;
  schedules: number;
}

export async function collectStatus(ctx: CliContext): Promise<StatusReport> {
  const queue = await intakeQueue(ctx);
  const reports = await reportsQueue(ctx);
  const { pool } = await ctx.db();
  const [counts, paused, workers, schedules] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'completed', 'failed'),
    queue.isPaused(),
    queue.getWorkersCount(),
    reports.getJobSchedulersCount(),
  ]);
  const inFlight = await pool.query<{ calls: number; reserved: string; batch_calls: number; batch_reserved: string }>(
    `select count(*)::int as calls, coalesce(sum(reserved_micros), 0) as reserved,
       count(*) filter (where b.call_id is not null)::int as batch_calls, coalesce(sum(reserved_micros) filter (where b.call_id is not null), 0) as batch_reserved
     from ledger l left join provider_batch_calls b using (call_id) where l.status = 'reserved'`,
  );
  const waiting = await pool.query<{ budget: string | null; jobs: number; until: Date | null }>(
    `select waiting_budget as budget, count(*)::int as jobs, min(wait_until) as until from jobs where status = 'waiting_budget' group by 1 order by 1`,
  );
  const budgets = await new BudgetStore(pool).list();
  const catalog = loadCatalog(ctx.config);
  const limited = catalog.list().filter((m) => m.rateLimits && (m.rateLimits.rpm !== undefined || m.rateLimits.tpm !== undefined));
  const limiter = new ProviderLimiter(await ctx.redis(), ctx.config.queuePrefix, () => undefined);
  const rateLimited = (await limiter.waits(limited.map((m) => m.id))).map((w) => ({ model: w.modelId, nextSlotAt: w.nextSlotAt.toISOString(), refusals: w.refusals }));
  const health = new ProviderHealth(await ctx.redis(), ctx.config.queuePrefix);
  await health.refresh();
  const registry = createProviders(ctx.config, { logger: { info: () => {} } });
  const providers = PROVIDERS.map((provider) => {
    const missing = registry.unavailableReason(provider);
    if (missing) return { provider, configured: false, reason: missing, state: 'unconfigured' as const, until: null };
    const state = health.state(provider);
    if (state.state === 'ok') return { provider, configured: true, reason: null, state: 'ok' as const, until: null };
    return { provider, configured: true, reason: state.reason, state: state.state, until: new Date(state.until).toISOString() };
  });
  return {
    queue: {
      name: queue.name,
      paused,
      counts: {
        waiting: counts.waiting ?? 0,
        prioritized: counts.prioritized ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        waitingChildren: counts['waiting-children'] ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
      },
      workers,
    },
    inFlight: flightOf(inFlight.rows[0]),
    waitingForBudget: {
      jobs: waiting.rows.reduce((sum, r) => sum + r.jobs, 0),
      byBudget: waiting.rows.map((r) => ({ budget: r.budget ?? '(unknown)', jobs: r.jobs, until: r.until?.toISOString() ?? null })),
    },
    rateLimited,
    budgets: budgets.map((b) => ({
      name: b.name,
      period: b.period,
      periodStart: b.periodStart.toISOString(),
      limitMicros: b.limitMicros,
      spentMicros: b.spentMicros,
      reservedMicros: b.reservedMicros,
      remainingMicros: b.remainingMicros,
      hard: b.hard,
      exhausted: b.exhausted,
    })),
    providers,
    schedules,
  };
}

export function formatStatus(s: StatusReport): string {
  const c = s.queue.counts;
  const lines: string[] = [];
  lines.push(
    `${bold('queue')} ${s.queue.name}${s.queue.paused ? ` ${yellow('(paused)')}` : ''}: ${c.waiting + c.prioritized} waiting, ${c.active} active, ${c.delayed} delayed, ${c.waitingChildren} waiting for parts, ${c.completed} completed, ${c.failed} failed · ${s.queue.workers} worker(s) connected`,
  );
  lines.push(
    `${bold('in flight')}: ${s.inFlight.calls} call(s) holding ${formatDollars(s.inFlight.reservedMicros)}` +
      (s.inFlight.batch.calls > 0 ? ` (sync ${s.inFlight.sync.calls} holding ${formatDollars(s.inFlight.sync.reservedMicros)}; in provider batches ${s.inFlight.batch.calls} holding ${formatDollars(s.inFlight.batch.reservedMicros)})` : ''),
  );
  const waiting = s.waitingForBudget;
  lines.push(
    `${bold('waiting for budget')}: ${waiting.jobs === 0 ? 'none' : waiting.byBudget.map((w) => `${w.jobs} on "${w.budget}"${w.until ? ` until ${formatTime(w.until)}` : ''}`).join(', ')}`,
  );
  if (s.rateLimited.length > 0) {
    lines.push(`${bold('delayed by rate limits')}: ${s.rateLimited.map((r) => `rate limit ${r.model}, next slot ${formatClock(r.nextSlotAt)}`).join('; ')}`);
  }
  lines.push('');
  if (s.budgets.length === 0) lines.push(dim('no budgets (frugal budget set NAME --limit DOLLARS --period day)'));
  else {
    lines.push(
      formatTable(s.budgets, [
        { header: 'BUDGET', value: (b) => b.name },
        { header: timeHeader('PERIOD'), value: (b) => `${b.period} from ${formatTableTime(b.periodStart)}` },
        { header: 'SPENT', value: (b) => formatDollars(b.spentMicros), align: 'right' },
        { header: 'RESERVED', value: (b) => formatDollars(b.reservedMicros), align: 'right' },
        { header: 'LIMIT', value: (b) => formatDollars(b.limitMicros), align: 'right' },
        { header: 'USED', value: (b) => (b.limitMicros > 0 ? `${Math.floor((b.spentMicros * 100) / b.limitMicros)}%` : '-'), align: 'right' },
        { header: 'STATE', value: (b) => (b.exhausted ? red('exhausted') : b.hard ? 'hard' : 'soft') },
      ]),
    );
  }
  lines.push('');
  lines.push(
    formatTable(s.providers, [
      { header: 'PROVIDER', value: (p) => p.provider },
      { header: 'STATE', value: (p) => (p.state === 'ok' ? green('ok') : p.state === 'unconfigured' ? dim('not configured') : yellow(p.state)) },
      { header: timeHeader('UNTIL'), value: (p) => (p.until ? formatTableTime(p.until) : '') },
      { header: 'WHY', value: (p) => (p.state === 'unconfigured' ? dim(p.reason ?? '') : (p.reason ?? '')) },
    ]),
  );
  lines.push('', dim(`${s.schedules} report schedule(s) (frugal schedule list)`));
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the queue, calls in flight, jobs waiting for budget, spend per budget in its current period, and provider health')
    .option('--json', 'print one JSON document (money in *Micros keys)')
    .action(async (options: { json?: boolean }) => {
      const status = await withContext(collectStatus);
      if (options.json) printJson(status);
      else process.stdout.write(`${formatStatus(status)}\n`);
    });
}

/** Calls in flight, split into synchronous calls and calls in provider batches. */
function flightOf(row: { calls: number; reserved: string; batch_calls: number; batch_reserved: string } | undefined): StatusReport['inFlight'] {
  const calls = row?.calls ?? 0;
  const reservedMicros = Number(row?.reserved ?? 0);
  const batch = { calls: row?.batch_calls ?? 0, reservedMicros: Number(row?.batch_reserved ?? 0) };
  return { calls, reservedMicros, sync: { calls: calls - batch.calls, reservedMicros: reservedMicros - batch.reservedMicros }, batch };
}

/** `19:06:30` in the machine's zone, for a time within the next minutes. */
function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
}
