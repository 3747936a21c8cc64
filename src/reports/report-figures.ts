/**
 * The figures of one day's report: plain data, money in integer micro-dollars (`*Micros`). Spend
 * counts the calls made that day (by `started_at`) that were settled or closed as spent.
 */
export interface ReportFigures {
  /** The calendar day covered, `YYYY-MM-DD`, in `tz`. */
  date: string;
  tz: string;
  /** The day's first instant (ISO 8601, UTC). */
  from: string;
  /** The next day's first instant (ISO 8601, UTC); the day is `[from, to)`. */
  to: string;
  spend: SpendFigures;
  jobs: JobFigures;
  estimate: EstimateFigures;
  premium: PremiumFigures;
  alerts: AlertFigure[];
  /** Agreement from the latest evals, what learned routing would have cost, eval spend. Absent in reports stored before evals existed. */
  quality?: QualityFigures;
}

export interface QualityFigures {
  /** Per model and kind, from the latest eval run of each kind. */
  agreement: Array<{ kind: string; model: string; reference: string; items: number; agreement: number; lower: number; upper: number; runId: number }>;
  /** The day's settled job calls re-priced on the model learned routing would pick (null: no learned ratings in force). */
  learnedRouting: { actualMicros: number; learnedMicros: number; calls: number } | null;
  /** The day's eval and judge calls: real money, kept apart from the jobs' spend. */
  evalSpend: { evalMicros: number; judgeMicros: number; calls: number };
}

export interface SpendFigures {
  totalMicros: number;
  calls: number;
  /**
   * Spend charged to each budget. A call charged to two budgets counts in both rows; calls no
   * budget applied to are under `(none)`.
   */
  byBudget: SpendRow[];
  byModel: SpendRow[];
  byKind: SpendRow[];
}

export interface SpendRow {
  key: string;
  spentMicros: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** The part of `outputTokens` spent thinking. */
  reasoningTokens: number;
}

export interface JobFigures {
  /** Jobs (documents, tickets…; not the chunks of long documents) that finished that day. */
  completed: number;
  failed: number;
  cancelled: number;
  /** Jobs waiting for budget when the report was made (a count of now, not of the day). */
  waitingForBudget: number;
  /** Chunk and combine parts of long documents completed that day. */
  partsCompleted: number;
  byKind: Array<{ kind: string; completed: number; failed: number }>;
}

export interface EstimateFigures {
  /** Settled calls with reported usage: the ones an estimate can be compared with. */
  calls: number;
  estimatedMicros: number;
  actualMicros: number;
  /** `(actual - estimated) / estimated` in percent, one decimal; null with no estimate. */
  errorPercent: number | null;
  byModel: Array<{ model: string; calls: number; estimatedMicros: number; actualMicros: number; errorPercent: number | null }>;
}

export interface PremiumFigures {
  /** What the day's spend would have been with every call on the cheapest premium-rated model for its kind. */
  equivalentMicros: number;
  actualMicros: number;
  /** `equivalent - actual`; negative when routing cost more than premium would have. */
  savingMicros: number;
  /** Saving in percent of the premium equivalent, one decimal; null when nothing was spent. */
  savingPercent: number | null;
  byKind: Array<{ kind: string; premiumModel: string | null; actualMicros: number; equivalentMicros: number }>;
}

export interface AlertFigure {
  budgetName: string;
  threshold: number;
  spentMicros: number;
  limitMicros: number;
  hard: boolean;
  createdAt: string;
}

/** The executive summary of a report and what became of its `report` job. */
export interface ReportSummary {
  /** `written`: the LLM's summary is in `text`; `skipped`: none asked for; `unavailable`: see `reason`. */
  status: 'written' | 'skipped' | 'unavailable';
  jobId: string | null;
  text: string | null;
  model: string | null;
  costMicros: number;
  reason: string | null;
}
