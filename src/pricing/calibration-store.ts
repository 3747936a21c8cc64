import { and, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { ledger } from '../db/schema/budget.js';
import { pricingCalibration, pricingThinkingAllowance } from '../db/schema/pricing.js';
import { log } from '../log.js';
import { allowanceKey, CalibrationSnapshot, type Calibration, type InputRatios, type ModelObservations, type OutputObservations } from './calibration.js';
import type { CatalogModel } from './catalog-model.js';
import type { Effort } from './reasoning.js';
import type { Kind } from './types.js';

export interface CalibrationOptions {
  /** How often the in-memory calibration is reloaded from Postgres, in ms; 0 = never (call refresh()). Default 60,000. */
  refreshMs?: number;
  /** Settled ledger rows younger than this count for expected output tokens, in days. Default 7. */
  outputWindowDays?: number;
}

// Stores that refresh on a timer, so raiseSafeBound and raiseThinkingAllowance can update them at once.
const liveStores = new Set<CalibrationStore>();

/**
 * The calibration, held in memory and reloaded from Postgres every `refreshMs`, so estimating a
 * job never waits on a query. A failed reload keeps the previous calibration.
 */
export class CalibrationStore implements Calibration {
  readonly db: Db;
  private readonly refreshMs: number;
  private readonly outputWindowDays: number;
  private snapshot = new CalibrationSnapshot();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(db: Db, options: CalibrationOptions = {}) {
    this.db = db;
    this.refreshMs = options.refreshMs ?? 60_000;
    this.outputWindowDays = options.outputWindowDays ?? 7;
  }

  /** The calibration in force now. */
  get current(): CalibrationSnapshot {
    return this.snapshot;
  }

  inputRatios(model: CatalogModel): InputRatios {
    return this.snapshot.inputRatios(model);
  }

  expectedOutputTokens(kind: Kind, modelId: string): number | undefined {
    return this.snapshot.expectedOutputTokens(kind, modelId);
  }

  thinkingAllowance(modelId: string, effort: Effort): number | undefined {
    return this.snapshot.thinkingAllowance(modelId, effort);
  }

  /** Reloads from Postgres now (three queries). Concurrent calls share one reload. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Starts the periodic reload (the timer does not keep the process alive) and lets
   * raiseSafeBound reach this store.
   */
  start(): void {
    liveStores.add(this);
    if (this.timer || this.refreshMs <= 0) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => {
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'calibration reload failed; keeping the previous calibration');
      });
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    liveStores.delete(this);
  }

  /** Applies a raised safe ratio to the in-memory calibration without waiting for a reload. */
  raiseLocally(modelId: string, observedRatio: number): void {
    const observations = new Map(this.snapshot.observationRows());
    const row = observations.get(modelId) ?? { samples: 0, estimatedTokens: 0, reportedTokens: 0, maxRatio: 0 };
    if (row.maxRatio >= observedRatio) return;
    observations.set(modelId, { ...row, maxRatio: observedRatio });
    this.snapshot = new CalibrationSnapshot(observations, this.snapshot.outputRows(), this.snapshot.allowanceRows());
  }

  /** Applies a raised thinking allowance to the in-memory calibration without waiting for a reload. */
  raiseAllowanceLocally(modelId: string, effort: Effort, tokens: number): void {
    const key = allowanceKey(modelId, effort);
    if ((this.snapshot.allowanceRows().get(key) ?? 0) >= tokens) return;
    const allowances = new Map(this.snapshot.allowanceRows());
    allowances.set(key, tokens);
    this.snapshot = new CalibrationSnapshot(this.snapshot.observationRows(), this.snapshot.outputRows(), allowances);
  }

  private async load(): Promise<void> {
    const t = pricingCalibration;
    const rows = await this.db
      .select({ model: t.model, samples: t.samples, estimatedTokens: t.estimatedTokens, reportedTokens: t.reportedTokens, maxRatio: t.maxRatio })
      .from(t);
    const since = new Date(Date.now() - this.outputWindowDays * 86_400_000);
    const outputs: OutputObservations[] = await this.db
      .select({
        kind: ledger.kind,
        model: ledger.model,
        calls: sql<number>`count(*)::int`,
        meanOutputTokens: sql<number>`avg(${ledger.actOutputTokens})::float8`,
      })
      .from(ledger)
      .where(and(eq(ledger.status, 'settled'), isNotNull(ledger.actOutputTokens), gt(ledger.settledAt, since)))
      .groupBy(ledger.kind, ledger.model);
    const a = pricingThinkingAllowance;
    const allowanceRows = await this.db.select({ model: a.model, effort: a.effort, tokens: a.allowanceTokens }).from(a);
    const observations = new Map<string, ModelObservations>(rows.map(({ model, ...row }) => [model, row]));
    const allowances = new Map(allowanceRows.map((row) => [allowanceKey(row.model, row.effort as Effort), row.tokens]));
    this.snapshot = new CalibrationSnapshot(observations, outputs, allowances);
  }
}

/**
 * Loads the calibration from Postgres and keeps it fresh in the background. Call `stop()` on
 * shutdown. Pass the result to `estimate` as its calibration.
 */
export async function loadCalibration(db: Db, options: CalibrationOptions = {}): Promise<CalibrationStore> {
  const store = new CalibrationStore(db, options);
  await store.refresh();
  store.start();
  return store;
}

/** Used by raiseSafeBound: updates the live stores of this process that read `db`. */
export function applyRaisedRatio(db: Db, modelId: string, observedRatio: number): void {
  for (const store of liveStores) if (store.db === db) store.raiseLocally(modelId, observedRatio);
}

/** Used by raiseThinkingAllowance: updates the live stores of this process that read `db`. */
export function applyRaisedAllowance(db: Db, modelId: string, effort: Effort, tokens: number): void {
  for (const store of liveStores) if (store.db === db) store.raiseAllowanceLocally(modelId, effort, tokens);
}
