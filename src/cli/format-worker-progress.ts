import { formatDollars } from '../pricing/money.js';

/** What a worker has done so far, for its progress line and its summary at exit. */
export interface WorkerProgress {
  /** Jobs this process completed. */
  done: number;
  /** Jobs this process failed for good. */
  failed: number;
  /** Jobs in the queue not running yet (waiting, prioritized, delayed), all workers'. */
  waiting: number;
  /** Of those, jobs waiting for budget. */
  waitingForBudget: number;
  /** Spend the ledger recorded since this worker started (every worker's calls). */
  spentMicros: number;
  elapsedMs: number;
}

/** `1m 52s`, `3h 04m`, `9s`: an elapsed time as people read it. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The one-line ticker a worker shows on a terminal. */
export function formatWorkerProgress(p: WorkerProgress): string {
  const budget = p.waitingForBudget > 0 ? ` (${count(p.waitingForBudget)} for budget)` : '';
  return `done ${count(p.done)} · failed ${count(p.failed)} · waiting ${count(p.waiting)}${budget} · spent ${formatDollars(p.spentMicros)} · ${formatElapsed(p.elapsedMs)}`;
}

/** The line a worker prints when it exits. */
export function formatWorkerSummary(p: WorkerProgress, pid: number = process.pid): string {
  const budget = p.waitingForBudget > 0 ? `, ${count(p.waitingForBudget)} waiting for budget` : '';
  return `frugal worker ${pid}: ${count(p.done)} job(s) done, ${count(p.failed)} failed${budget}, ${formatDollars(p.spentMicros)} spent in ${formatElapsed(p.elapsedMs)}`;
}
