import type { Command } from 'commander';
import { AlertDeliverer } from '../../budget/alert-deliverer.js';
import { AlertStore } from '../../budget/alert-store.js';
import { BudgetStore } from '../../budget/budget-store.js';
import { checkBudgets } from '../../budget/check-budgets.js';
import type { BudgetAlert } from '../../budget/types.js';
import { InputError } from '../../errors.js';
import { formatDollars } from '../../pricing/money.js';
import { withContext } from '../context.js';
import { green, printJson, printTable, red } from '../output.js';
import { statusJson } from './budget.js';
import { formatTableTime, timeHeader } from '../format-time.js';

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('budget alerts: each threshold crossed, and each hard budget exhausted, once per budget and period');

  // The default subcommand, so that `frugal alerts --json` lists while `frugal alerts check
  // --json` checks (an option on `alerts` itself would swallow the subcommands' --json).
  alerts
    .command('list', { isDefault: true })
    .description('list alerts, newest first (the default: `frugal alerts`)')
    .option('--json', 'print the alerts as JSON')
    .option('--unacked', 'only alerts nobody acknowledged')
    .option('--limit <n>', 'most alerts shown, newest first', '100')
    .action(async (options: { json?: boolean; unacked?: boolean; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new InputError(`--limit "${options.limit}" is not a positive whole number`, 'give e.g. --limit 20');
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const list = await new AlertStore(pool).list({ unacknowledged: options.unacked ?? false, limit });
        if (options.json) {
          printJson({ alerts: list.map(alertJson) });
          return;
        }
        if (list.length === 0) {
          process.stdout.write('no alerts\n');
          return;
        }
        printTable(list, [
          { header: 'ID', value: (a) => a.id, align: 'right' },
          { header: 'BUDGET', value: (a) => a.budgetName },
          { header: 'AT', value: (a) => alertLevel(a), align: 'right' },
          { header: 'SPENT', value: (a) => formatDollars(a.spentMicros), align: 'right' },
          { header: 'LIMIT', value: (a) => formatDollars(a.limitMicros), align: 'right' },
          { header: timeHeader('PERIOD START'), value: (a) => formatTableTime(a.periodStart) },
          { header: timeHeader('RECORDED'), value: (a) => formatTableTime(a.createdAt) },
          { header: 'DELIVERY', value: (a) => `${a.delivery}${a.attempts ? ` (${a.attempts} attempts)` : ''}` },
          { header: 'ACK', value: (a) => (a.acknowledgedAt ? 'yes' : '') },
        ]);
      });
    });

  alerts
    .command('ack')
    .argument('<id>', 'alert id (see `frugal alerts`)')
    .description('acknowledge an alert, so `frugal alerts check` no longer fails on it')
    .option('--json', 'print the alert as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      if (!/^\d{1,15}$/.test(id.trim())) throw new InputError(`alert id "${id}" is not a number`, 'give the ID column of `frugal alerts`, e.g. frugal alerts ack 12');
      const n = Number(id.trim());
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const alert = await new AlertStore(pool).ack(n);
        if (options.json) printJson(alertJson(alert));
        else process.stdout.write(`acknowledged alert ${alert.id} (${alert.budgetName} ${alert.kind === 'exhausted' ? 'exhausted' : `at ${alert.threshold}%`})\n`);
      });
    });

  alerts
    .command('check')
    .description('exit code 1 when a hard budget is exhausted or an unacknowledged alert is at or over 100% (for cron and monitoring)')
    .option('--json', 'print the findings as JSON')
    .action(async (options: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const check = await checkBudgets(new BudgetStore(pool), new AlertStore(pool));
        if (options.json) {
          printJson({ ok: check.ok, exhausted: check.exhausted.map(statusJson), alerts: check.alerts.map(alertJson) });
        } else if (check.ok) {
          process.stdout.write(`${green('ok')}: no hard budget exhausted, no unacknowledged alert at 100%\n`);
        } else {
          for (const b of check.exhausted) {
            process.stdout.write(`${red('exhausted')} ${b.name}: ${formatDollars(b.spentMicros)} spent of ${formatDollars(b.limitMicros)}\n`);
          }
          for (const a of check.alerts) {
            process.stdout.write(`${red('alert')} ${a.id} ${a.budgetName} ${a.kind === 'exhausted' ? 'exhausted' : `at ${a.threshold}%`} (${formatDollars(a.spentMicros)} of ${formatDollars(a.limitMicros)}); acknowledge with \`frugal alerts ack ${a.id}\`\n`);
          }
        }
        if (!check.ok) process.exitCode = 1;
      });
    });

  alerts
    .command('deliver')
    .description('deliver pending alerts now (log and FRUGAL_ALERT_WEBHOOK), once each; workers do this by themselves')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const deliverer = new AlertDeliverer(pool, ctx.config.alertWebhook ? { webhookUrl: ctx.config.alertWebhook } : {});
        const result = await deliverer.deliverPending();
        if (options.json) printJson(result);
        else process.stdout.write(`delivered ${result.delivered}, retrying later ${result.retrying}, failed ${result.failed}\n`);
      });
    });
}

/** `80%` for a threshold crossing, `exhausted` for a hard budget that made jobs wait. */
function alertLevel(a: BudgetAlert): string {
  return a.kind === 'exhausted' ? 'exhausted' : `${a.threshold}%`;
}

function alertJson(a: BudgetAlert) {
  return {
    id: a.id,
    kind: a.kind,
    budgetName: a.budgetName,
    threshold: a.threshold,
    spentMicros: a.spentMicros,
    limitMicros: a.limitMicros,
    hard: a.hard,
    periodStart: a.periodStart.toISOString(),
    createdAt: a.createdAt.toISOString(),
    delivery: a.delivery,
    attempts: a.attempts,
    deliveredAt: a.deliveredAt?.toISOString() ?? null,
    lastError: a.lastError,
    acknowledgedAt: a.acknowledgedAt?.toISOString() ?? null,
  };
}
