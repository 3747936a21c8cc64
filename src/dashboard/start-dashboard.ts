import type { Config } from '../config.js';
import { redactUrl } from '../errors.js';
import { checkTimeZone, localTimeZone } from '../reports/report-day.js';
import { createDashboardApp } from './create-dashboard-app.js';
import { DashboardAccess } from './dashboard-access.js';
import { DashboardData } from './dashboard-data.js';
import { GlobalMetrics } from './global-metrics.js';
import { listenHttp } from './listen-http.js';

export interface DashboardOptions {
  /** Address to listen on. Default 127.0.0.1 (pages open, actions need the token). */
  host?: string;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** FRUGAL_DASHBOARD_TOKEN. Needed for actions; needed for everything on a non-loopback address. */
  token?: string;
  /** Zone of the pages' dates and the Spend page's days. Default this machine's. */
  tz?: string;
  /** Least time between two refreshes of the global gauges. Default 10,000 ms. */
  metricsRefreshMs?: number;
}

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts `frugal dashboard`: refuses an exposed address without a token before touching anything. */
export async function startDashboard(config: Config, options: DashboardOptions = {}): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 3000;
  const tz = checkTimeZone(options.tz ?? localTimeZone());
  const access = new DashboardAccess(host, port, options.token);
  const data = new DashboardData(config);
  try {
    // Both services are needed to show anything: say so at start, not on the first page load.
    await data.pool();
    const metrics = new GlobalMetrics(data, options.metricsRefreshMs === undefined ? {} : { minRefreshMs: options.metricsRefreshMs });
    const database = new URL(redactUrl(config.databaseUrl)).pathname.slice(1);
    const app = await createDashboardApp(data, access, metrics, { tz, source: `${database} · ${config.queuePrefix}` });
    const server = await listenHttp(app, host, port, 'frugal dashboard');
    // With port 0 the Host check must know the port actually bound.
    if (port === 0) access.bindPort(server.port);
    return {
      url: server.url,
      port: server.port,
      close: async () => {
        await server.close();
        await data.close();
      },
    };
  } catch (error) {
    await data.close();
    throw error;
  }
}
