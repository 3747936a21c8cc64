import type { Command } from 'commander';
import { listProviderBatches, requestProviderBatchCancel, type ProviderBatchRow } from '../../batch/list-provider-batches.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { formatDollars } from '../../pricing/money.js';
import { withContext } from '../context.js';
import { bold, dim, printJson, printTable } from '../output.js';

function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3_600)}h`;
}

export function registerBatches(program: Command): void {
  const batches = program
    .command('batches')
    .description('provider batches (OpenAI, Groq batch APIs): open and recent, with requests, money reserved and spent, and the saving')
    .option('--json', 'print as JSON')
    .option('--recent <hours>', 'also show batches created in the last N hours', '48')
    .addHelpText('after', '\nJobs with a deadline of 24h or more may be routed to a batch API at half price (see README, "Deadlines and provider batches").\n\nExamples:\n  frugal batches\n  frugal batches cancel 6f1c…')
    .action(async (options: { json?: boolean; recent: string }) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        const hours = Number(options.recent);
        const listed = await listProviderBatches(pool, loadCatalog(ctx.config), { recentHours: Number.isFinite(hours) && hours >= 0 ? hours : 48 });
        if (options.json) {
          printJson(listed);
          return;
        }
        const spent = listed.batches.reduce((n, b) => n + b.spentMicros, 0);
        const saved = listed.batches.reduce((n, b) => n + b.savedMicros, 0);
        process.stdout.write(`${bold(`${listed.batches.length} provider batch(es)`)}; ${listed.collecting} call(s) collecting for the next; spent ${formatDollars(spent)}, saved ${formatDollars(saved)} against synchronous prices\n`);
        if (listed.batches.length === 0) return;
        process.stdout.write('\n');
        printTable(listed.batches, [
          { header: 'ID', value: (b: ProviderBatchRow) => b.id.slice(0, 8) },
          { header: 'VENDOR', value: (b) => b.provider },
          { header: 'MODEL', value: (b) => b.model },
          { header: 'STATE', value: (b) => `${b.state}${b.vendorStatus ? ` (${b.vendorStatus})` : ''}${b.cancelRequested ? ' cancelling' : ''}` },
          { header: 'DONE', value: (b) => b.done, align: 'right' },
          { header: 'FAILED', value: (b) => b.failed, align: 'right' },
          { header: 'PENDING', value: (b) => b.pending, align: 'right' },
          { header: 'RESERVED', value: (b) => formatDollars(b.reservedMicros), align: 'right' },
          { header: 'SPENT', value: (b) => formatDollars(b.spentMicros), align: 'right' },
          { header: 'AGE', value: (b) => age(b.ageSeconds), align: 'right' },
          { header: 'DEADLINE', value: (b) => b.earliestDeadline ?? dim('—') },
        ]);
      });
    });

  batches
    .command('cancel')
    .description('cancel a provider batch at the vendor: its unfinished calls go synchronous, finished lines are still settled')
    .argument('<id>', 'frugal batch id (or the vendor batch id)')
    .action(async (id: string) => {
      await withContext(async (ctx) => {
        const { pool } = await ctx.db();
        await requestProviderBatchCancel(pool, id);
        process.stdout.write(`cancel requested for provider batch ${id}: the next worker that polls it cancels it at the vendor\n`);
      });
    });
}
