import pg from 'pg';
import { BUDGET_CHANGED_CHANNEL } from './budget-store.js';

export interface OnBudgetChangedOptions {
  /** Delay before reconnecting after the listening connection is lost. Default 1,000 ms. */
  reconnectDelayMs?: number;
}

/** Passed instead of a budget name after a reconnection: notifications may have been missed. */
export const ANY_BUDGET = '*';

/**
 * Calls `callback(budgetName)` whenever a budget is set or deleted (limit raised, budget
 * changed), so jobs waiting for room can wake at once instead of at their retry time. Keeps one
 * dedicated connection LISTENing and reconnects when it is lost, then calls `callback('*')`
 * because changes may have been missed meanwhile. Resolves once listening; call the returned
 * function to stop.
 */
export async function onBudgetChanged(
  databaseUrl: string,
  callback: (budgetName: string) => void,
  options: OnBudgetChangedOptions = {},
): Promise<() => Promise<void>> {
  const reconnectDelayMs = options.reconnectDelayMs ?? 1_000;
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const notify = (name: string) => {
    try {
      callback(name);
    } catch {
      // A failing callback must not end the listener.
    }
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: 'frugal-budget-listener' });
    next.on('notification', (message) => {
      if (message.channel === BUDGET_CHANGED_CHANNEL) notify(message.payload ?? ANY_BUDGET);
    });
    const lost = () => {
      next.removeAllListeners('end');
      void next.end().catch(() => {});
      if (stopped || client !== next) return;
      client = undefined;
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', lost);
    await next.connect();
    await next.query(`listen ${BUDGET_CHANGED_CHANNEL}`);
    client = next;
  };

  const scheduleReconnect = () => {
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => notify(ANY_BUDGET),
        () => {
          if (!stopped) scheduleReconnect();
        },
      );
    }, reconnectDelayMs);
  };

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => {});
  };
}
