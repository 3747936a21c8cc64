import { Hono } from 'hono';
import { addHealthRoutes, type Readiness } from './health-routes.js';
import { listenHttp, type ListeningServer } from './listen-http.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface WorkerMetricsServerOptions {
  /** Default 127.0.0.1. Metrics carry no secrets, but expose them on purpose, not by default. */
  host?: string;
  port: number;
  /**
   * Whether the worker's own Redis and Postgres connections answer. Default: neither, for a
   * worker still starting (the server is bound first, so a taken port stops it before any job).
   */
  ready?: () => Promise<Readiness>;
}

/** `/metrics`, `/healthz` and `/readyz` of one worker process. */
export async function serveWorkerMetrics(metrics: WorkerMetrics, options: WorkerMetricsServerOptions): Promise<ListeningServer & { setReady(ready: () => Promise<Readiness>): void }> {
  let ready = options.ready ?? (async () => ({ redis: false, postgres: false }));
  const app = new Hono();
  addHealthRoutes(app, () => ready());
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.notFound((c) => c.text('not found: this port serves /metrics, /healthz and /readyz\n', 404));
  const server = await listenHttp(app, options.host ?? '127.0.0.1', options.port, 'frugal worker --metrics-port');
  return {
    ...server,
    setReady: (check) => {
      ready = check;
    },
  };
}
