import type { CatalogModel } from './catalog-model.js';
import type { Effort } from './reasoning.js';
import type { Kind } from './types.js';

/** Provider tokens per raw counted token for one model, after calibration. */
export interface InputRatios {
  /** Best guess, for routing and expected cost. */
  readonly expectedRatio: number;
  /** Upper bound, for maximum cost and reservations. */
  readonly safeRatio: number;
}

/** What the estimator learned from past calls. Lookups only: the per-job path never queries. */
export interface Calibration {
  /** Input-token ratios for `model`: learned ones blended with the catalog's tokenizer factors. */
  inputRatios(model: CatalogModel): InputRatios;
  /** Mean output tokens of recent settled calls of `kind` on the model, or undefined when too few. */
  expectedOutputTokens(kind: Kind, modelId: string): number | undefined;
  /** Thinking tokens allowed on top of the answer cap, as raised by calls cut at their limit; undefined when never raised. */
  thinkingAllowance?(modelId: string, effort: Effort): number | undefined;
}

/** Key of a learned thinking allowance. */
export const allowanceKey = (modelId: string, effort: Effort): string => `${modelId}\u0000${effort}`;

/** One model's learned input-token figures (a `pricing_calibration` row). */
export interface ModelObservations {
  /** Observations recorded. */
  samples: number;
  /** Decayed sums of raw estimates and of provider-reported input tokens. */
  estimatedTokens: number;
  reportedTokens: number;
  /** Largest reported/estimated ratio seen or raised. 0 when none. */
  maxRatio: number;
}

/** Mean output tokens of recent settled calls of one kind on one model. */
export interface OutputObservations {
  kind: string;
  model: string;
  calls: number;
  meanOutputTokens: number;
}

/**
 * The learned expected ratio counts as much as this many observations against the catalog's
 * factor, so one odd call cannot swing routing, and ten calls mostly replace the guess.
 */
export const PRIOR_SAMPLES = 3;
/** Below this many observations the safe ratio never drops under the catalog's safe factor. */
export const MIN_SAMPLES_FOR_LEARNED_SAFE = 20;
/** Headroom of the safe ratio over the largest ratio observed (and over the expected ratio). */
export const SAFE_MARGIN = 1.1;
/** Settled calls of a (kind, model) needed before their mean replaces the default output fraction. */
export const MIN_OUTPUT_SAMPLES = 5;

/**
 * The calibration in force at one moment: immutable, so a worker can keep using it while the
 * store loads the next one.
 */
export class CalibrationSnapshot implements Calibration {
  private readonly observations: ReadonlyMap<string, ModelObservations>;
  private readonly outputRowsList: readonly OutputObservations[];
  private readonly outputs: ReadonlyMap<string, ReadonlyMap<string, number>>;
  // Ratios per catalog entry, computed on first use (catalog entries are long-lived objects).
  private readonly ratios = new WeakMap<CatalogModel, InputRatios>();

  private readonly allowances: ReadonlyMap<string, number>;

  constructor(
    observations: ReadonlyMap<string, ModelObservations> = new Map(),
    outputs: readonly OutputObservations[] = [],
    allowances: ReadonlyMap<string, number> = new Map(),
  ) {
    this.observations = observations;
    this.allowances = allowances;
    this.outputRowsList = outputs;
    const byKind = new Map<string, Map<string, number>>();
    for (const row of outputs) {
      if (row.calls < MIN_OUTPUT_SAMPLES) continue;
      let byModel = byKind.get(row.kind);
      if (!byModel) byKind.set(row.kind, (byModel = new Map()));
      byModel.set(row.model, Math.ceil(row.meanOutputTokens));
    }
    this.outputs = byKind;
  }

  inputRatios(model: CatalogModel): InputRatios {
    let ratios = this.ratios.get(model);
    if (!ratios) {
      ratios = calibrateRatios(model, this.observations.get(model.id));
      this.ratios.set(model, ratios);
    }
    return ratios;
  }

  expectedOutputTokens(kind: Kind, modelId: string): number | undefined {
    return this.outputs.get(kind)?.get(modelId);
  }

  thinkingAllowance(modelId: string, effort: Effort): number | undefined {
    return this.allowances.get(allowanceKey(modelId, effort));
  }

  /** The learned thinking allowances, by {@link allowanceKey}. */
  allowanceRows(): ReadonlyMap<string, number> {
    return this.allowances;
  }

  /** The learned figures of a model. */
  observationsFor(modelId: string): ModelObservations | undefined {
    return this.observations.get(modelId);
  }

  /** The rows this snapshot was built from, to build the next one. */
  observationRows(): ReadonlyMap<string, ModelObservations> {
    return this.observations;
  }

  outputRows(): readonly OutputObservations[] {
    return this.outputRowsList;
  }
}

/** No observations: every estimate uses the catalog's tokenizer factors and default output fractions. */
export const NO_CALIBRATION: Calibration = new CalibrationSnapshot();

/**
 * Blends observations with the catalog's factors:
 * - expected = (catalog expected × PRIOR_SAMPLES + learned ratio × samples) / (PRIOR_SAMPLES + samples),
 *   where the learned ratio is reported ÷ estimated tokens over recent calls;
 * - safe = max(largest observed ratio, expected) × SAFE_MARGIN, but never below the catalog's
 *   safe factor until MIN_SAMPLES_FOR_LEARNED_SAFE observations agree.
 */
export function calibrateRatios(model: CatalogModel, observed: ModelObservations | undefined): InputRatios {
  const { expectedRatio: catalogExpected, safeRatio: catalogSafe } = model.tokenizer;
  if (!observed) return { expectedRatio: catalogExpected, safeRatio: catalogSafe };
  let expectedRatio = catalogExpected;
  if (observed.samples > 0 && observed.estimatedTokens > 0) {
    const learned = observed.reportedTokens / observed.estimatedTokens;
    expectedRatio = (catalogExpected * PRIOR_SAMPLES + learned * observed.samples) / (PRIOR_SAMPLES + observed.samples);
  }
  const observedSafe = Math.max(observed.maxRatio, expectedRatio) * SAFE_MARGIN;
  const safeRatio = observed.samples >= MIN_SAMPLES_FOR_LEARNED_SAFE ? observedSafe : Math.max(observedSafe, catalogSafe);
  return { expectedRatio, safeRatio };
}
