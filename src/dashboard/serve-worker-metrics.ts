import { Hono } from 'hono';
import type { Config } from '../config.js';
import { DashboardData } from './dashboard-data.js';
import { addHealthRoutes } from './health-routes.js';
import { listenHttp, type ListeningServer } from './listen-http.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface WorkerMetricsServerOptions {
  /** Default 127.0.0.1. Metrics carry no secrets, but expose them on purpose, not by default. */
  host?: string;
  port: number;
}

/** `/metrics`, `/healthz` and `/readyz` of one worker process. */
export async function serveWorkerMetrics(config: Config, metrics: WorkerMetrics, options: WorkerMetricsServerOptions): Promise<ListeningServer> {
  const data = new DashboardData(config);
  const app = new Hono();
  addHealthRoutes(app, () => data.ready());
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.notFound((c) => c.text('not found: this port serves /metrics, /healthz and /readyz\n', 404));
  const server = await listenHttp(app, options.host ?? '127.0.0.1', options.port, 'frugal worker --metrics-port').catch(async (error: unknown) => {
    await data.close();
    throw error;
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      await data.close();
    },
  };
}
