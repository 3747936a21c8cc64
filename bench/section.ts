/**
 * One section of `npm run bench`: rows for the printed table and named figures for
 * `bench/results.json` (e.g. `{ "tokens.mbPerSecond": 6.1 }`).
 */
export interface BenchRow {
  /** What was measured, e.g. "token counting, o200k_base". */
  name: string;
  /** The figure, already rounded for display. */
  value: number | string;
  /** Unit, e.g. "MB/s", "jobs/s", "ms". */
  unit: string;
  /** Target or comparison, e.g. "target ≥ 800", "0.93× accounting off". */
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** Figures for results.json, dotted names: `pipeline.jobsPerSecond`. */
  results: Record<string, number>;
}

/** Every `bench/<name>.ts` exports a function of this type; `bench/run.ts` runs them in order. */
export type BenchFn = () => Promise<BenchSection>;
