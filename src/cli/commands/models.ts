import type { Command } from 'commander';
import { getConfig } from '../../config.js';
import type { CatalogModel } from '../../pricing/catalog-model.js';
import { formatPerMillion } from '../../pricing/format-price.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { dim, printJson, printTable, type Column } from '../output.js';

const COLUMNS: Column<CatalogModel>[] = [
  { header: 'MODEL', value: (m) => m.id },
  { header: 'PROVIDER', value: (m) => m.provider },
  { header: 'PROVIDER MODEL', value: (m) => m.providerModelId },
  { header: 'IN $/M', value: (m) => formatPerMillion(m.inputPerMillionMicros), align: 'right' },
  { header: 'CACHED $/M', value: (m) => (m.cachedInputPerMillionMicros === undefined ? '-' : formatPerMillion(m.cachedInputPerMillionMicros)), align: 'right' },
  { header: 'OUT $/M', value: (m) => formatPerMillion(m.outputPerMillionMicros), align: 'right' },
  { header: 'BATCH', value: (m) => (m.batchDiscountPercent ? `-${m.batchDiscountPercent}%` : '-'), align: 'right' },
  { header: 'WINDOW', value: (m) => m.contextWindow.toLocaleString('en-US'), align: 'right' },
  { header: 'MAX OUT', value: (m) => m.maxOutputTokens.toLocaleString('en-US'), align: 'right' },
  { header: 'RPM', value: (m) => m.rateLimits.rpm?.toLocaleString('en-US') ?? '-', align: 'right' },
  { header: 'TPM', value: (m) => m.rateLimits.tpm?.toLocaleString('en-US') ?? '-', align: 'right' },
  { header: 'SUMMARIZE', value: (m) => m.ratings.summarize },
  { header: 'EXTRACT', value: (m) => m.ratings.extract },
  { header: 'CLASSIFY', value: (m) => m.ratings.classify },
  { header: 'REPORT', value: (m) => m.ratings.report },
  { header: 'TOKENIZER', value: (m) => `${m.tokenizer.encoding} ×${m.tokenizer.expectedRatio} (≤×${m.tokenizer.safeRatio})` },
];

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the model catalog: prices per million tokens, windows, rate limits and ratings per job kind')
    .option('--json', 'print the catalog as JSON (prices in micro-dollars per million tokens, in *Micros keys)')
    .action((options: { json?: boolean }) => {
      const catalog = loadCatalog(getConfig());
      const models = catalog.list();
      if (options.json) {
        printJson({ overridePath: catalog.overridePath ?? null, models });
        return;
      }
      printTable(models, COLUMNS);
      const notes: string[] = [];
      for (const m of models) {
        if (m.longContext) {
          const lc = m.longContext;
          const cached = lc.cachedInputPerMillionMicros === undefined ? '' : `, cached ${formatPerMillion(lc.cachedInputPerMillionMicros)}`;
          notes.push(`${m.id}: prompts over ${lc.aboveInputTokens.toLocaleString('en-US')} tokens cost ${formatPerMillion(lc.inputPerMillionMicros)}/M in, ${formatPerMillion(lc.outputPerMillionMicros)}/M out${cached}`);
        }
      }
      for (const m of models) notes.push(`${m.id}: ${m.source} (checked ${m.checkedOn})`);
      if (catalog.overridePath) notes.push(`overrides from ${catalog.overridePath}`);
      process.stdout.write(`\n${notes.map((line) => dim(line)).join('\n')}\n`);
    });
}
