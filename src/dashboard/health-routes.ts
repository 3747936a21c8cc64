import type { Env, Hono } from 'hono';

export interface Readiness {
  redis: boolean;
  postgres: boolean;
}

/** Whether a check answers within `ms` (a hung service is as good as down for readiness). */
export function answers(check: () => Promise<unknown>, ms = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const attempt = Promise.resolve()
    .then(check)
    .then(() => true as const, () => false as const);
  return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/healthz`: the process answers. `/readyz`: Redis and Postgres answer too (503 naming the one
 * that does not). Open on every address: they reveal nothing but up or down.
 */
export function addHealthRoutes<E extends Env>(app: Hono<E>, ready: () => Promise<Readiness>): void {
  app.get('/healthz', (c) => c.text('ok\n'));
  app.get('/readyz', async (c) => {
    const state = await ready();
    const down = Object.entries(state).filter(([, up]) => !up).map(([name]) => name);
    return down.length === 0 ? c.text('ready\n') : c.text(`not ready: ${down.join(' and ')} not answering\n`, 503);
  });
}
