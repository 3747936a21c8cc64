import type { Command } from 'commander';
import { getConfig, type Config } from '../../config.js';
import { parseCount } from '../parse-options.js';

interface DashboardCliOptions {
  port: string;
  host: string;
  tz?: string;
  demo?: boolean;
}

/** What `frugal demo` works in (its defaults in demo.ts): its own database and queue prefix. */
export function demoConfig(config: Config): Config {
  const url = new URL(config.databaseUrl);
  url.pathname = '/frugal_demo';
  return { ...config, databaseUrl: url.toString(), queuePrefix: 'frugal-demo' };
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve the web dashboard: budgets, spend, jobs (with Bull Board, read-only), reports, /metrics, /healthz, /readyz')
    .option('--port <n>', 'port to listen on', '3000')
    .option('--host <address>', 'address to listen on; any other than loopback needs FRUGAL_DASHBOARD_TOKEN', '127.0.0.1')
    .option('--tz <zone>', 'time zone of dates and of the Spend page\'s days (default: this machine\'s)')
    .option('--demo', 'show the data of `npm run demo` (database frugal_demo, queue prefix frugal-demo)')
    .addHelpText(
      'after',
      '\nOn 127.0.0.1 pages are readable by anyone on this machine; retry, cancel, pause and acknowledging need\n' +
        'FRUGAL_DASHBOARD_TOKEN (sign in with the form, or send Authorization: Bearer <token>). On any other\n' +
        'address every page but /healthz and /readyz needs the token, and the dashboard refuses to start without one.',
    )
    .action(async (options: DashboardCliOptions) => {
      const base = getConfig();
      const config = options.demo ? demoConfig(base) : base;
      const port = parseCount(options.port, '--port', { min: 0, max: 65_535 });
      // Loaded here, not at the top: every other command starts without Hono, Bull Board and prom-client.
      const { startDashboard } = await import('../../dashboard/start-dashboard.js');
      const dashboard = await startDashboard(config, {
        host: options.host.trim(),
        port,
        ...(options.tz === undefined ? {} : { tz: options.tz }),
        ...(process.env.FRUGAL_DASHBOARD_TOKEN ? { token: process.env.FRUGAL_DASHBOARD_TOKEN } : {}),
      });
      process.stderr.write(`frugal dashboard on ${dashboard.url}/ (metrics ${dashboard.url}/metrics) · queue prefix ${config.queuePrefix}${process.env.FRUGAL_DASHBOARD_TOKEN ? '' : ' · read-only: set FRUGAL_DASHBOARD_TOKEN to act'}\n`);
      const stop = () => void dashboard.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await new Promise<never>(() => {});
    });
}
