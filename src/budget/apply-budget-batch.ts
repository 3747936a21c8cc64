import type pg from 'pg';
import type { Usage } from '../pricing/types.js';
import { CallIdReusedError } from './call-id-reused-error.js';
import { nowSql, periodEndSql, periodStartSql } from './period-sql.js';
import type {
  CallPurpose,
  ChargedBudget,
  LedgerStatus,
  RecordedAlert,
  ReleaseResult,
  ReserveAccepted,
  ReserveRefused,
  ReserveResult,
  SettleResult,
} from './types.js';
import { UnknownBudgetError } from './unknown-budget-error.js';
import { UnknownCallError } from './unknown-call-error.js';

/** A reserve request after validation: every field present, call id lower-case. */
export interface NormalizedReserve {
  callId: string;
  jobId: string;
  attempt: number;
  seq: number;
  kind: string;
  /** `job`, or `eval`/`judge` for eval calls, which `kind:` budgets never charge. */
  purpose: CallPurpose;
  model: string;
  provider: string;
  budgetNames: string[];
  maxCostMicros: number;
  estInputTokens: number;
  estOutputTokens: number;
  estCostMicros: number;
}

/** A reservation closed by closeStale. */
export interface ClosedCall {
  callId: string;
  closedMicros: number;
}

export type BatchItem =
  | { op: 'reserve'; request: NormalizedReserve }
  | { op: 'settle'; callId: string; costMicros: number; usage: Usage; usageEstimated: boolean }
  | { op: 'release'; callId: string; reason: string }
  | { op: 'closeStale'; callId: string; olderThanMs: number };

export type ItemValue = ReserveResult | SettleResult | ReleaseResult | ClosedCall | null;
export type ItemOutcome = { ok: true; value: ItemValue } | { ok: false; error: Error };

export interface BatchResult {
  outcomes: ItemOutcome[];
  /** Threshold crossings recorded by this batch (exactly once across all processes). */
  alerts: RecordedAlert[];
}

export interface ApplyBatchOptions {
  /** The instant the batch happens at; null uses the database's clock. */
  now: Date | null;
  /** Transient failures (deadlock, lost connection) retried before giving up. Default 5. */
  maxRetries?: number;
}

/**
 * Applies reservations, settlements, releases and stale closes in one transaction, each request
 * all-or-nothing across its own budgets, and answers each individually.
 *
 * Locks are taken in one global order so concurrent batches in any number of processes never
 * deadlock: existing ledger rows (by call id), then budget period rows (by budget id, period
 * start), all period rows of a batch in one statement. Decisions are made on the locked counters, so the answers are
 * exact; the counters written back are checked against what was computed, and any mismatch
 * rolls the whole batch back.
 *
 * A batch that fails for a reason other than a transient one is split and each request applied
 * alone, so one bad request never costs the others their answer (nor drops their rows).
 */
export async function applyBudgetBatch(pool: pg.Pool, items: readonly BatchItem[], options: ApplyBatchOptions): Promise<BatchResult> {
  const maxRetries = options.maxRetries ?? 5;
  let duplicates = new Map<string, ExistingReservation>();
  for (let attempt = 0; ; attempt++) {
    try {
      return await transact(pool, items, options.now, duplicates);
    } catch (error) {
      if (error instanceof DuplicateReservationError) {
        duplicates = await findExistingReservations(pool, items);
        if (attempt < maxRetries) continue;
      }
      if (error instanceof MissingPeriodsError && attempt < maxRetries) {
        await pool.query({ name: 'frugal-budget-ensure-periods', text: SQL.ensurePeriods, values: [error.names, error.kindScopes, options.now] });
        continue;
      }
      if (isTransient(error)) {
        if (attempt < maxRetries) {
          await delay(5 * 2 ** attempt + Math.random() * 10);
          continue;
        }
        // Postgres unreachable or overloaded: every request of the batch gets the error now,
        // rather than each being retried alone.
        return { outcomes: items.map(() => ({ ok: false, error: asError(error) })), alerts: [] };
      }
      if (items.length > 1) return applyOneByOne(pool, items, options);
      return { outcomes: [{ ok: false, error: asError(error) }], alerts: [] };
    }
  }
}

async function applyOneByOne(pool: pg.Pool, items: readonly BatchItem[], options: ApplyBatchOptions): Promise<BatchResult> {
  const result: BatchResult = { outcomes: [], alerts: [] };
  for (const item of items) {
    const one = await applyBudgetBatch(pool, [item], options);
    result.outcomes.push(...one.outcomes);
    result.alerts.push(...one.alerts);
  }
  return result;
}

/** Raised inside a batch when a call id being reserved already has a ledger row. */
class DuplicateReservationError extends Error {}

/** Raised inside a batch when a budget has no row for its current period yet. */
class MissingPeriodsError extends Error {
  constructor(
    readonly names: string[],
    readonly kindScopes: string[],
  ) {
    super('budget periods missing');
  }
}

interface ExistingReservation {
  status: LedgerStatus;
  reservedMicros: number;
  budgets: ChargedBudget[];
}

interface LockedCall {
  callId: string;
  status: LedgerStatus;
  reservedMicros: number;
  costMicros: number | null;
  model: string;
  provider: string;
  overrun: boolean;
  charges: Array<{ budgetId: number; periodStart: Date }>;
}

interface LockedBudget {
  id: number;
  name: string;
  limitMicros: number;
  hard: boolean;
  scope: string;
  periodStart: Date;
  periodEnd: Date | null;
}

interface PeriodState {
  budgetId: number;
  periodStart: Date;
  spent: number;
  reserved: number;
  spentDelta: number;
  reservedDelta: number;
  overrunCount: number;
  overrunMicros: number;
  refused: number;
  exhausted: boolean;
}

interface LedgerUpdate {
  callId: string;
  status: LedgerStatus;
  costMicros: number;
  usage: Usage | null;
  usageEstimated: boolean;
  overrun: boolean;
  stale: boolean;
  error: string | null;
}

const periodKey = (budgetId: number, periodStart: Date) => `${budgetId}@${periodStart.getTime()}`;

const BUDGET_FILTER = `b.name = any($1::text[]) or b.scope = 'global' or b.scope = any($2::text[])`;
const NOW = nowSql('$3');

const SQL = {
  // One row per charge; the ledger rows are locked, the charges never change after insertion.
  lockCalls: `
    select l.call_id::text as call_id, l.status, l.reserved_micros, l.cost_micros, l.model, l.provider, l.overrun, c.budget_id, c.period_start
    from ledger l left join ledger_charges c on c.call_id = l.call_id and c.call_id = any($1::uuid[])
    where l.call_id = any($1::uuid[])
    order by l.call_id, c.budget_id
    for update of l`,
  ensurePeriods: `
    insert into budget_periods (budget_id, period_start, period_end)
    select b.id, ${periodStartSql('b', NOW)}, ${periodEndSql('b', NOW)} from budgets b
    where ${BUDGET_FILTER}
    on conflict do nothing`,
  countBudgets: `select count(*)::int as n from budgets b where ${BUDGET_FILTER}`,
  // The current period rows of every budget the reservations name or fall under, and the period
  // rows of the calls being settled, locked together in (budget id, period start) order. The
  // budget definitions are read with them: a limit change applies to reservations that begin
  // after it commits.
  lockForReserves: `
    with wanted as (
      select b.id as budget_id, ${periodStartSql('b', NOW)} as period_start, true as current from budgets b where ${BUDGET_FILTER}
      union all
      select k.budget_id, k.period_start, false from unnest($4::int[], $5::timestamptz[]) as k(budget_id, period_start)
    )
    select bp.budget_id, bp.period_start, bp.period_end, bp.spent_micros, bp.reserved_micros,
      b.name, b.limit_micros, b.hard, b.scope,
      exists (select 1 from wanted w where w.budget_id = bp.budget_id and w.period_start = bp.period_start and w.current) as current,
      (select count(*) from wanted w where w.current)::int as expected
    from budget_periods bp join budgets b on b.id = bp.budget_id
    where (bp.budget_id, bp.period_start) in (select w.budget_id, w.period_start from wanted w)
    order by bp.budget_id, bp.period_start
    for update of bp`,
  lockPeriods: `
    select bp.budget_id, bp.period_start, bp.spent_micros, bp.reserved_micros
    from budget_periods bp
    join unnest($1::int[], $2::timestamptz[]) as k(budget_id, period_start)
      on bp.budget_id = k.budget_id and bp.period_start = k.period_start
    order by bp.budget_id, bp.period_start
    for update of bp`,
  // Every write of a batch in one statement: one round trip while the hot rows are locked.
  writes: `
    with new_ledger as (
      insert into ledger (call_id, job_id, attempt, seq, kind, model, provider, est_input_tokens, est_output_tokens, est_cost_micros, reserved_micros, purpose, started_at)
      select u.call_id, u.job_id, u.attempt, u.seq, u.kind, u.model, u.provider, u.ein, u.eout, u.ecost, u.reserved, u.purpose, ${nowSql('$1')}
      from unnest($2::uuid[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::int[], $10::int[], $11::bigint[], $12::bigint[], $35::text[])
        as u(call_id, job_id, attempt, seq, kind, model, provider, ein, eout, ecost, reserved, purpose)
      on conflict (call_id) do nothing
      returning call_id
    ), new_charges as (
      insert into ledger_charges (call_id, budget_id, period_start)
      select * from unnest($13::uuid[], $14::int[], $15::timestamptz[])
    ), moved as (
      update ledger l set status = u.status, cost_micros = u.cost,
        act_input_tokens = coalesce(u.ain, l.act_input_tokens),
        act_cached_input_tokens = coalesce(u.acached, l.act_cached_input_tokens),
        act_output_tokens = coalesce(u.aout, l.act_output_tokens),
        reasoning_tokens = coalesce(u.areason, l.reasoning_tokens),
        usage_estimated = u.est, overrun = u.overrun, closed_stale = l.closed_stale or u.stale,
        settled_at = ${nowSql('$1')}, error = coalesce(u.error, l.error)
      from unnest($16::uuid[], $17::text[], $18::bigint[], $19::int[], $20::int[], $21::int[], $22::bool[], $23::bool[], $24::bool[], $25::text[], $34::int[])
        as u(call_id, status, cost, ain, acached, aout, est, overrun, stale, error, areason)
      where l.call_id = u.call_id
    ), counters as (
      update budget_periods bp set
        spent_micros = bp.spent_micros + u.spent,
        reserved_micros = bp.reserved_micros + u.reserved,
        overrun_count = bp.overrun_count + u.oc,
        overrun_micros = bp.overrun_micros + u.om,
        refused_count = bp.refused_count + u.refused,
        exhausted_at = case when u.exhausted then ${nowSql('$1')} else bp.exhausted_at end
      from unnest($26::int[], $27::timestamptz[], $28::bigint[], $29::bigint[], $30::int[], $31::bigint[], $32::int[], $33::bool[])
        as u(budget_id, period_start, spent, reserved, oc, om, refused, exhausted)
      where bp.budget_id = u.budget_id and bp.period_start = u.period_start
      returning bp.budget_id, bp.period_start, bp.spent_micros, bp.reserved_micros, u.spent <> 0 as spent_changed
    ), alerts as (
      insert into budget_alerts (budget_id, budget_name, period_start, threshold, spent_micros, limit_micros, hard, created_at, next_attempt_at)
      select b.id, b.name, c.period_start, t.threshold, c.spent_micros, b.limit_micros, b.hard, ${nowSql('$1')}, ${nowSql('$1')}
      from counters c
      join budgets b on b.id = c.budget_id
      cross join lateral unnest(b.thresholds) as t(threshold)
      where c.spent_changed and c.spent_micros > 0 and c.spent_micros * 100 >= b.limit_micros * t.threshold
      on conflict (budget_id, period_start, threshold) do nothing
      returning id, budget_name, threshold, spent_micros, limit_micros, period_start, hard
    )
    select (select count(*) from new_ledger)::int as inserted,
      (select coalesce(json_agg(json_build_object('budgetId', c.budget_id, 'periodStart', c.period_start, 'spent', c.spent_micros, 'reserved', c.reserved_micros)), '[]') from counters c) as counters,
      (select coalesce(json_agg(a order by a.threshold), '[]') from alerts a) as alerts`,
};

async function transact(
  pool: pg.Pool,
  items: readonly BatchItem[],
  now: Date | null,
  duplicates: ReadonlyMap<string, ExistingReservation>,
): Promise<BatchResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    // Generic plans: these statements run thousands of times a second with the same shapes, and
    // planning each execution would cost more than executing it. Every statement here is a
    // lookup by key, so sequential scans are ruled out: a generic plan made while the ledger was
    // still small (a new installation, before autovacuum's first analyze) would otherwise keep
    // scanning the whole ledger as it grows. (The cost penalty of a ruled-out scan on the small
    // budgets table would switch on JIT compilation, hundreds of milliseconds: off.)
    await client.query('begin; set local plan_cache_mode = force_generic_plan; set local enable_seqscan = off; set local jit = off');
    try {
      const result = await applyInTransaction(client, items, now, duplicates);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {
        broken = true;
      });
      throw error;
    }
  } catch (error) {
    if (isConnectionError(error)) broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}

async function applyInTransaction(
  client: pg.PoolClient,
  items: readonly BatchItem[],
  now: Date | null,
  duplicates: ReadonlyMap<string, ExistingReservation>,
): Promise<BatchResult> {
  // 1. Existing ledger rows of settlements, releases and closes, locked by call id.
  const calls = new Map<string, LockedCall>();
  const transitionIds = [...new Set(items.flatMap((item) => (item.op === 'reserve' ? [] : [item.callId])))].sort();
  if (transitionIds.length > 0) {
    const { rows } = await client.query<LockedCallRow>({ name: 'frugal-budget-lock-calls', text: SQL.lockCalls, values: [transitionIds] });
    for (const row of rows) {
      let call = calls.get(row.call_id);
      if (!call) {
        call = {
          callId: row.call_id,
          status: row.status,
          reservedMicros: Number(row.reserved_micros),
          costMicros: row.cost_micros === null ? null : Number(row.cost_micros),
          model: row.model,
          provider: row.provider,
          overrun: row.overrun,
          charges: [],
        };
        calls.set(row.call_id, call);
      }
      if (row.budget_id !== null && row.period_start !== null) call.charges.push({ budgetId: row.budget_id, periodStart: row.period_start });
    }
  }
  const chargedKeys = new Map<string, { budgetId: number; periodStart: Date }>();
  for (const call of calls.values()) for (const c of call.charges) chargedKeys.set(periodKey(c.budgetId, c.periodStart), c);
  const charged = [...chargedKeys.values()];

  // 2. Every period row touched, locked in (budget id, period start) order; for reservations,
  // with the definitions of the budgets that apply.
  const reserves = items.flatMap((item) => (item.op === 'reserve' && !duplicates.has(item.request.callId) ? [item.request] : []));
  const budgets: LockedBudget[] = [];
  const periods = new Map<string, PeriodState>();
  const track = (row: LockedPeriodRow) =>
    periods.set(periodKey(row.budget_id, row.period_start), {
      budgetId: row.budget_id,
      periodStart: row.period_start,
      spent: Number(row.spent_micros),
      reserved: Number(row.reserved_micros),
      spentDelta: 0,
      reservedDelta: 0,
      overrunCount: 0,
      overrunMicros: 0,
      refused: 0,
      exhausted: false,
    });
  if (reserves.length > 0) {
    const names = [...new Set(reserves.flatMap((r) => r.budgetNames))];
    const kindScopes = [...new Set(reserves.filter((r) => r.purpose === 'job').map((r) => `kind:${r.kind}`))];
    const { rows } = await client.query<LockedForReserveRow>({
      name: 'frugal-budget-lock-for-reserves',
      text: SQL.lockForReserves,
      values: [names, kindScopes, now, charged.map((k) => k.budgetId), charged.map((k) => k.periodStart)],
    });
    const current = rows.filter((row) => row.current);
    const expected = rows[0]?.expected ?? (await client.query<{ n: number }>({ name: 'frugal-budget-count', text: SQL.countBudgets, values: [names, kindScopes] })).rows[0]!.n;
    // A budget without a row for the current period (a new budget or a new period): create the
    // rows outside this transaction and start again.
    if (current.length < expected) throw new MissingPeriodsError(names, kindScopes);
    for (const row of rows) {
      track(row);
      if (!row.current) continue;
      budgets.push({
        id: row.budget_id,
        name: row.name,
        limitMicros: Number(row.limit_micros),
        hard: row.hard,
        scope: row.scope,
        periodStart: row.period_start,
        periodEnd: row.period_end,
      });
    }
  } else if (charged.length > 0) {
    const { rows } = await client.query<LockedPeriodRow>({
      name: 'frugal-budget-lock-periods',
      text: SQL.lockPeriods,
      values: [charged.map((k) => k.budgetId), charged.map((k) => k.periodStart)],
    });
    for (const row of rows) track(row);
  }

  // 4. Decide each request in arrival order on the locked counters.
  const outcomes: ItemOutcome[] = [];
  const newRows: NormalizedReserve[] = [];
  const newCharges: Array<{ callId: string; budgetId: number; periodStart: Date }> = [];
  const ledgerUpdates = new Map<string, LedgerUpdate>();
  const reservedInBatch = new Map<string, ItemOutcome>();
  for (const item of items) {
    if (item.op === 'reserve') {
      const earlier = reservedInBatch.get(item.request.callId);
      if (earlier) {
        outcomes.push(earlier.ok && earlier.value !== null && 'ok' in earlier.value && earlier.value.ok ? { ok: true, value: { ...earlier.value, duplicate: true } } : earlier);
        continue;
      }
      const existing = duplicates.get(item.request.callId);
      const outcome = existing
        ? answerExisting(item.request, existing)
        : decideReserve(item.request, budgets, periods, newRows, newCharges);
      reservedInBatch.set(item.request.callId, outcome);
      outcomes.push(outcome);
      continue;
    }
    const call = calls.get(item.callId);
    if (!call) {
      outcomes.push({ ok: false, error: new UnknownCallError(item.callId) });
      continue;
    }
    outcomes.push({ ok: true, value: decideTransition(item, call, periods, ledgerUpdates) });
  }

  // 5. All writes in one statement, then a check that the counters are what was computed.
  const touched = [...periods.values()].filter(
    (p) => p.spentDelta !== 0 || p.reservedDelta !== 0 || p.overrunCount !== 0 || p.overrunMicros !== 0 || p.refused !== 0 || p.exhausted,
  );
  if (newRows.length === 0 && ledgerUpdates.size === 0 && touched.length === 0) return { outcomes, alerts: [] };
  const updates = [...ledgerUpdates.values()];
  let written: WritesRow;
  try {
    const { rows } = await client.query<WritesRow>({
      name: 'frugal-budget-writes',
      text: SQL.writes,
      values: [
        now,
        newRows.map((r) => r.callId),
        newRows.map((r) => r.jobId),
        newRows.map((r) => r.attempt),
        newRows.map((r) => r.seq),
        newRows.map((r) => r.kind),
        newRows.map((r) => r.model),
        newRows.map((r) => r.provider),
        newRows.map((r) => r.estInputTokens),
        newRows.map((r) => r.estOutputTokens),
        newRows.map((r) => r.estCostMicros),
        newRows.map((r) => r.maxCostMicros),
        newCharges.map((c) => c.callId),
        newCharges.map((c) => c.budgetId),
        newCharges.map((c) => c.periodStart),
        updates.map((u) => u.callId),
        updates.map((u) => u.status),
        updates.map((u) => u.costMicros),
        updates.map((u) => u.usage?.inputTokens ?? null),
        updates.map((u) => u.usage?.cachedInputTokens ?? null),
        updates.map((u) => u.usage?.outputTokens ?? null),
        updates.map((u) => u.usageEstimated),
        updates.map((u) => u.overrun),
        updates.map((u) => u.stale),
        updates.map((u) => u.error),
        touched.map((p) => p.budgetId),
        touched.map((p) => p.periodStart),
        touched.map((p) => p.spentDelta),
        touched.map((p) => p.reservedDelta),
        touched.map((p) => p.overrunCount),
        touched.map((p) => p.overrunMicros),
        touched.map((p) => p.refused),
        touched.map((p) => p.exhausted),
        updates.map((u) => (u.usage ? (u.usage.reasoningTokens ?? 0) : null)),
        newRows.map((r) => r.purpose),
      ],
    });
    written = rows[0]!;
  } catch (error) {
    // A call id reserved twice collides on the ledger or charges key: answer from the existing row.
    if (newRows.length > 0 && (error as { code?: string }).code === '23505') throw new DuplicateReservationError();
    throw error;
  }
  if (written.inserted !== newRows.length) throw new DuplicateReservationError();
  for (const counter of written.counters) {
    const p = periods.get(periodKey(counter.budgetId, new Date(counter.periodStart)));
    if (!p || counter.spent !== p.spent || counter.reserved !== p.reserved) {
      throw new Error(`budget counters of budget ${counter.budgetId} differ from the ledger decision; the batch was rolled back`);
    }
  }
  if (written.counters.length !== touched.length) throw new Error('a budget period row vanished during a batch; the batch was rolled back');
  const alerts = written.alerts.map((a) => ({
    id: a.id,
    budgetName: a.budget_name,
    threshold: a.threshold,
    spentMicros: Number(a.spent_micros),
    limitMicros: Number(a.limit_micros),
    periodStart: new Date(a.period_start),
    hard: a.hard,
  }));
  return { outcomes, alerts };
}

function decideReserve(
  request: NormalizedReserve,
  budgets: readonly LockedBudget[],
  periods: ReadonlyMap<string, PeriodState>,
  newRows: NormalizedReserve[],
  newCharges: Array<{ callId: string; budgetId: number; periodStart: Date }>,
): ItemOutcome {
  const applicable = budgets.filter(
    (b) => b.scope === 'global' || (request.purpose === 'job' && b.scope === `kind:${request.kind}`) || request.budgetNames.includes(b.name),
  );
  const unknown = request.budgetNames.filter((name) => !budgets.some((b) => b.name === name));
  if (unknown.length > 0) return { ok: false, error: new UnknownBudgetError(unknown) };
  const x = request.maxCostMicros;
  const refusals: Array<{ budget: LockedBudget; period: PeriodState; reason: ReserveRefused['reason'] }> = [];
  for (const budget of applicable) {
    const period = periods.get(periodKey(budget.id, budget.periodStart));
    if (!period) throw new Error(`budget period of "${budget.name}" was not found after it was created`);
    if (!budget.hard) continue;
    if (x > budget.limitMicros) refusals.push({ budget, period, reason: 'exceeds_limit' });
    else if (period.spent + period.reserved + x > budget.limitMicros) refusals.push({ budget, period, reason: 'no_room' });
  }
  if (refusals.length > 0) {
    for (const r of refusals) {
      r.period.refused += 1;
      if (r.reason === 'no_room' && r.period.spent + x > r.budget.limitMicros) r.period.exhausted = true;
    }
    const blocking = refusals.reduce((worst, r) => (laterRoom(r, worst) ? r : worst));
    const refused: ReserveRefused = {
      ok: false,
      callId: request.callId,
      reason: blocking.reason,
      blockingBudget: blocking.budget.name,
      retryAt: blocking.reason === 'exceeds_limit' ? null : blocking.budget.periodEnd,
      roomOnSettle: blocking.reason === 'no_room' && blocking.period.spent + x <= blocking.budget.limitMicros,
      neededMicros: x,
      limitMicros: blocking.budget.limitMicros,
      spentMicros: blocking.period.spent,
      reservedMicros: blocking.period.reserved,
    };
    return { ok: true, value: refused };
  }
  for (const budget of applicable) {
    const period = periods.get(periodKey(budget.id, budget.periodStart))!;
    period.reserved += x;
    period.reservedDelta += x;
    newCharges.push({ callId: request.callId, budgetId: budget.id, periodStart: budget.periodStart });
  }
  newRows.push(request);
  const accepted: ReserveAccepted = {
    ok: true,
    callId: request.callId,
    reservedMicros: x,
    budgets: applicable.map((b) => ({ budgetId: b.id, name: b.name, hard: b.hard, limitMicros: b.limitMicros, periodStart: b.periodStart, periodEnd: b.periodEnd })),
    duplicate: false,
  };
  return { ok: true, value: accepted };
}

/** Whether refusal `a` frees up later than `b`: never (limit too small, or a total budget) is latest. */
function laterRoom(a: { budget: LockedBudget; reason: string }, b: { budget: LockedBudget; reason: string }): boolean {
  const time = (r: { budget: LockedBudget; reason: string }) =>
    r.reason === 'exceeds_limit' ? Number.POSITIVE_INFINITY : (r.budget.periodEnd?.getTime() ?? Number.MAX_VALUE);
  return time(a) > time(b);
}

function answerExisting(request: NormalizedReserve, existing: ExistingReservation): ItemOutcome {
  if (existing.status !== 'reserved') return { ok: false, error: new CallIdReusedError(request.callId, existing.status) };
  return { ok: true, value: { ok: true, callId: request.callId, reservedMicros: existing.reservedMicros, budgets: existing.budgets, duplicate: true } };
}

/**
 * What each ledger status counts on its budget periods: an open reservation its reserved amount
 * in `reserved`; a settled call its actual cost in `spent`; a call closed as spent its reserved
 * amount in `spent`; a released call nothing. A transition moves the difference, so a late
 * settlement after a stale close corrects the spend instead of adding to it.
 */
function counted(status: LedgerStatus, call: LockedCall): { spent: number; reserved: number } {
  switch (status) {
    case 'reserved':
      return { spent: 0, reserved: call.reservedMicros };
    case 'settled':
      return { spent: call.costMicros ?? 0, reserved: 0 };
    case 'closed_as_spent':
      return { spent: call.reservedMicros, reserved: 0 };
    case 'released':
      return { spent: 0, reserved: 0 };
  }
}

function decideTransition(
  item: Exclude<BatchItem, { op: 'reserve' }>,
  call: LockedCall,
  periods: ReadonlyMap<string, PeriodState>,
  ledgerUpdates: Map<string, LedgerUpdate>,
): ItemValue {
  const before = counted(call.status, call);
  const move = (to: LedgerStatus, update: Omit<LedgerUpdate, 'callId' | 'status'>, overrunMicros: number) => {
    const next: LockedCall = { ...call, status: to, costMicros: update.costMicros };
    const after = counted(to, next);
    for (const charge of call.charges) {
      const period = periods.get(periodKey(charge.budgetId, charge.periodStart));
      if (!period) continue; // the budget was deleted since; the ledger row still records the call
      period.spent += after.spent - before.spent;
      period.spentDelta += after.spent - before.spent;
      period.reserved += after.reserved - before.reserved;
      period.reservedDelta += after.reserved - before.reserved;
      if (update.overrun && !call.overrun) {
        period.overrunCount += 1;
        period.overrunMicros += overrunMicros;
      }
    }
    ledgerUpdates.set(call.callId, { callId: call.callId, status: to, ...update });
    call.status = to;
    call.costMicros = update.costMicros;
    call.overrun = call.overrun || update.overrun;
  };

  if (item.op === 'settle') {
    if (call.status === 'settled') {
      return settleResult(call, true);
    }
    // A released call held nothing: everything it cost is over its reservation.
    const covered = call.status === 'released' ? 0 : call.reservedMicros;
    const corrected = call.status !== 'reserved';
    const overrun = item.costMicros > covered;
    move(
      'settled',
      { costMicros: item.costMicros, usage: item.usage, usageEstimated: item.usageEstimated, overrun, stale: false, error: null },
      overrun ? item.costMicros - covered : 0,
    );
    return corrected ? { ...settleResult(call, false), corrected: true } : settleResult(call, false);
  }
  if (item.op === 'release') {
    if (call.status !== 'reserved' && call.status !== 'closed_as_spent') return { callId: call.callId, released: false, status: call.status };
    const corrected = call.status === 'closed_as_spent';
    move('released', { costMicros: 0, usage: null, usageEstimated: false, overrun: false, stale: false, error: `released: ${item.reason}` }, 0);
    return { callId: call.callId, released: true, status: 'released', ...(corrected ? { corrected: true as const } : {}) };
  }
  if (call.status !== 'reserved') return null;
  const closedMicros = call.reservedMicros;
  move(
    'closed_as_spent',
    {
      costMicros: closedMicros,
      usage: null,
      usageEstimated: false,
      overrun: false,
      stale: true,
      error: `closed as spent: not settled within ${item.olderThanMs} ms, its worker is presumed dead and the call may have happened`,
    },
    0,
  );
  return { callId: call.callId, closedMicros };
}

function settleResult(call: LockedCall, duplicate: boolean): SettleResult {
  return {
    callId: call.callId,
    status: call.status,
    duplicate,
    overrun: call.overrun,
    reservedMicros: call.reservedMicros,
    costMicros: call.costMicros ?? 0,
    model: call.model,
    provider: call.provider,
  };
}

async function findExistingReservations(pool: pg.Pool, items: readonly BatchItem[]): Promise<Map<string, ExistingReservation>> {
  const ids = [...new Set(items.flatMap((item) => (item.op === 'reserve' ? [item.request.callId] : [])))];
  const { rows } = await pool.query<ExistingRow>(
    `select l.call_id::text as call_id, l.status, l.reserved_micros, c.budget_id, b.name, b.hard, b.limit_micros, c.period_start, bp.period_end
     from ledger l
     left join ledger_charges c on c.call_id = l.call_id
     left join budgets b on b.id = c.budget_id
     left join budget_periods bp on bp.budget_id = c.budget_id and bp.period_start = c.period_start
     where l.call_id = any($1::uuid[])
     order by l.call_id, c.budget_id`,
    [ids],
  );
  const found = new Map<string, ExistingReservation>();
  for (const row of rows) {
    let entry = found.get(row.call_id);
    if (!entry) {
      entry = { status: row.status, reservedMicros: Number(row.reserved_micros), budgets: [] };
      found.set(row.call_id, entry);
    }
    if (row.budget_id !== null && row.name !== null && row.period_start !== null) {
      entry.budgets.push({
        budgetId: row.budget_id,
        name: row.name,
        hard: row.hard ?? true,
        limitMicros: Number(row.limit_micros ?? 0),
        periodStart: row.period_start,
        periodEnd: row.period_end,
      });
    }
  }
  return found;
}

// 23503: a budget deleted while this batch was creating its period row; the retry no longer sees it.
const TRANSIENT_CODES = new Set(['23503', '40001', '40P01', '55P03', '57P01', '57P02', '57P03', '08000', '08003', '08006', '53300']);

/** Deadlocks, serialization failures, lost or refused connections: worth trying again. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (code !== undefined && TRANSIENT_CODES.has(code)) || isConnectionError(error);
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  if (code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  return /Connection terminated|connection ended|Client has encountered a connection error/i.test(String((error as Error)?.message));
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LockedCallRow {
  call_id: string;
  status: LedgerStatus;
  reserved_micros: string;
  cost_micros: string | null;
  model: string;
  provider: string;
  overrun: boolean;
  budget_id: number | null;
  period_start: Date | null;
}

interface LockedForReserveRow extends LockedPeriodRow {
  period_end: Date | null;
  name: string;
  limit_micros: string;
  hard: boolean;
  scope: string;
  current: boolean;
  expected: number;
}

interface LockedPeriodRow {
  budget_id: number;
  period_start: Date;
  spent_micros: string;
  reserved_micros: string;
}

interface WritesRow {
  inserted: number;
  counters: Array<{ budgetId: number; periodStart: string; spent: number; reserved: number }>;
  alerts: Array<{ id: number; budget_name: string; threshold: number; spent_micros: number; limit_micros: number; period_start: string; hard: boolean }>;
}

interface ExistingRow {
  call_id: string;
  status: LedgerStatus;
  reserved_micros: string;
  budget_id: number | null;
  name: string | null;
  hard: boolean | null;
  limit_micros: string | null;
  period_start: Date | null;
  period_end: Date | null;
}
