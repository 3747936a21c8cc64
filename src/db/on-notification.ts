import pg from 'pg';

export interface OnNotificationOptions {
  /** Delay before reconnecting after the listening connection is lost. Default 1,000 ms. */
  reconnectDelayMs?: number;
  /** application_name of the listening connection. Default `frugal-listener`. */
  applicationName?: string;
}

/**
 * Calls `callback(payload)` for every NOTIFY on `channel`, on one dedicated connection that
 * reconnects when lost and then calls `callback(undefined)`: notifications may have been missed.
 * Resolves once listening; call the returned function to stop.
 */
export async function onNotification(
  databaseUrl: string,
  channel: string,
  callback: (payload: string | undefined) => void,
  options: OnNotificationOptions = {},
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`channel name ${JSON.stringify(channel)} must be a lower-case SQL identifier`);
  const reconnectDelayMs = options.reconnectDelayMs ?? 1_000;
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const notify = (payload: string | undefined) => {
    try {
      callback(payload);
    } catch {
      // A failing callback must not end the listener.
    }
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: options.applicationName ?? 'frugal-listener' });
    next.on('notification', (message) => {
      if (message.channel === channel) notify(message.payload);
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
    await next.query(`listen ${channel}`);
    client = next;
  };
  const scheduleReconnect = () => {
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => notify(undefined),
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
