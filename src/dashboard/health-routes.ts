import type { Env, Hono } from 'hono';

/**
 * `/healthz`: the process answers. `/readyz`: Redis and Postgres answer too (503 naming the one
 * that does not). Open on every address: they reveal nothing but up or down.
 */
export function addHealthRoutes<E extends Env>(app: Hono<E>, ready: () => Promise<{ redis: boolean; postgres: boolean }>): void {
  app.get('/healthz', (c) => c.text('ok\n'));
  app.get('/readyz', async (c) => {
    const state = await ready();
    const down = Object.entries(state).filter(([, up]) => !up).map(([name]) => name);
    return down.length === 0 ? c.text('ready\n') : c.text(`not ready: ${down.join(' and ')} not answering\n`, 503);
  });
}
