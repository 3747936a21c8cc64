import { Counter, Histogram, Registry } from 'prom-client';
import type { PipelineMetrics } from '../workers/worker-runtime.js';

/**
 * One worker process's counters and histograms (`frugal worker --metrics-port`). Prometheus sums
 * them over the workers; labels name kinds, models and providers, never a job.
 */
export class WorkerMetrics implements PipelineMetrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<'kind' | 'model' | 'outcome'>;
  private readonly calls: Counter<'provider' | 'model' | 'mode' | 'outcome'>;
  private readonly callDuration: Histogram<'provider'>;
  private readonly limiterWait: Histogram<'provider'>;

  constructor() {
    const registers = [this.registry];
    this.jobs = new Counter({ name: 'frugal_jobs_total', help: 'Jobs this worker finished, by kind, answering model and outcome (completed, failed).', labelNames: ['kind', 'model', 'outcome'], registers });
    this.calls = new Counter({
      name: 'frugal_calls_total',
      help: 'Provider calls this worker made, by provider, model, mode (sync, batch) and outcome (ok, or the error: rate_limited, timeout, server_error…).',
      labelNames: ['provider', 'model', 'mode', 'outcome'],
      registers,
    });
    this.callDuration = new Histogram({
      name: 'frugal_call_duration_seconds',
      help: 'Time from sending a provider call to its answer or error.',
      labelNames: ['provider'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    this.limiterWait = new Histogram({
      name: 'frugal_limiter_wait_seconds',
      help: 'Wait the shared rate limiter imposed before a call (0 when a slot was free at once).',
      labelNames: ['provider'],
      buckets: [0, 0.01, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    });
  }

  jobFinished(job: { kind: string; model: string | undefined; outcome: 'completed' | 'failed' }): void {
    this.jobs.inc({ kind: job.kind, model: job.model ?? 'none', outcome: job.outcome });
  }

  callFinished(call: { provider: string; model: string; mode: 'sync' | 'batch'; outcome: string; seconds: number }): void {
    this.calls.inc({ provider: call.provider, model: call.model, mode: call.mode, outcome: call.outcome });
    this.callDuration.observe({ provider: call.provider }, call.seconds);
  }

  limiterWaited(provider: string, seconds: number): void {
    this.limiterWait.observe({ provider }, seconds);
  }
}
