import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { DashboardStartError } from './dashboard-error.js';

export interface ListeningServer {
  /** The port actually bound (useful with port 0). */
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves a Hono app on host:port; a taken port is an error naming it. */
export async function listenHttp(app: { fetch: (request: Request) => Response | Promise<Response> }, host: string, port: number, what: string): Promise<ListeningServer> {
  const server: Server = createServer(getRequestListener((request) => app.fetch(request)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new DashboardStartError('DASHBOARD_PORT_TAKEN', `${what} cannot listen on ${host}:${port}: the port is taken by another process`, `stop that process or give another port`));
      } else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port: bound,
    url: `http://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
