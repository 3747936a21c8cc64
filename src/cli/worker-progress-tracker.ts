import { sql } from 'drizzle-orm';
import type { Logger } from '../log.js';
import type { FrugalWorker } from '../workers/frugal-worker.js';
import { formatWorkerProgress, type WorkerProgress } from './format-worker-progress.js';
import type { StatusLine } from './status-line.js';

export interface WorkerProgressOptions {
  /** Terminal line to draw the ticker on; without one, progress goes to the log instead. */
  statusLine?: StatusLine;
  logger: Logger;
  /** How often the figures are read. Default 1 s on a terminal, 30 s in the log. */
  intervalMs?: number;
}

/**
 * Counts what a worker process does (jobs done and failed from its BullMQ events; the queue's
 * waiting jobs and the ledger's spend, read every interval) and shows it: a ticker line on a
 * terminal, an `info` "progress" log record otherwise.
 */
export class WorkerProgressTracker {
  private readonly startedAt = new Date();
  private readonly timer: NodeJS.Timeout;
  private figures: WorkerProgress = { done: 0, failed: 0, waiting: 0, waitingForBudget: 0, spentMicros: 0, elapsedMs: 0 };
  private reading: Promise<void> | undefined;

  constructor(
    private readonly worker: FrugalWorker,
    private readonly options: WorkerProgressOptions,
  ) {
    worker.bullmq.on('completed', () => {
      this.figures.done++;
      this.draw();
    });
    worker.bullmq.on('failed', (job) => {
      // BullMQ reports every failed attempt; only the last one fails the job.
      if (job && job.attemptsMade < (job.opts.attempts ?? 1)) return;
      this.figures.failed++;
      this.draw();
    });
    this.timer = setInterval(() => void this.tick(), options.intervalMs ?? (options.statusLine ? 1_000 : 30_000));
    this.timer.unref();
    this.draw();
    void this.tick();
  }

  /** Reads the queue and the ledger once more and returns the figures. */
  async snapshot(): Promise<WorkerProgress> {
    await this.read();
    return this.current();
  }

  /** Stops the timer and erases the ticker. */
  stop(): void {
    clearInterval(this.timer);
    this.options.statusLine?.clear();
  }

  /** The figures as last read, with jobs counted up to now (no query: safe after the worker closed). */
  current(): WorkerProgress {
    return { ...this.figures, elapsedMs: Date.now() - this.startedAt.getTime() };
  }

  private draw(): void {
    this.options.statusLine?.set(formatWorkerProgress(this.current()));
  }

  private async tick(): Promise<void> {
    await this.read();
    if (this.options.statusLine) this.draw();
    else this.options.logger.info({ ...this.current() }, 'progress');
  }

  private read(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    const { queue, records, db } = this.worker.runtime;
    try {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
      this.figures.waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
      this.figures.waitingForBudget = await records.countWaiting();
      const spent = await db.execute<{ micros: string }>(sql`select coalesce(sum(cost_micros), 0)::text as micros from ledger where started_at >= ${this.startedAt.toISOString()}::timestamptz`);
      this.figures.spentMicros = Number(spent.rows[0]?.micros ?? 0);
    } catch {
      // A reading lost to a brief outage shows the last figures; the worker itself reports outages.
    }
  }
}
