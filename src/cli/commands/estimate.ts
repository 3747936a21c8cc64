import { Option, type Command } from 'commander';
import { parseJobSpec } from '../../jobs/job-spec.js';
import { NO_CALIBRATION } from '../../pricing/calibration.js';
import { loadCalibration } from '../../pricing/calibration-store.js';
import { LearnedRatingStore } from '../../router/learned-rating-store.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { formatDollars } from '../../pricing/money.js';
import { TIERS } from '../../pricing/types.js';
import { createProviders } from '../../providers/create-providers.js';
import { isBatchEligible } from '../../batch/batch-eligible.js';
import { forecast } from '../../router/forecast.js';
import { priceInBatch } from '../../router/price-in-batch.js';
import { forecastJob } from '../../router/forecast-job.js';
import { withContext } from '../context.js';
import { bold, dim, printJson, printTable, red } from '../output.js';
import { parseCount } from '../parse-options.js';
import { readDocuments } from '../read-documents.js';

interface EstimateOptions {
  deadline?: string;
  kind: string;
  tier: string;
  maxWords?: string;
  private?: boolean;
  json?: boolean;
}

export function registerEstimate(program: Command): void {
  program
    .command('estimate')
    .description('show, per candidate model, the tokens, expected and maximum cost of summarizing documents, and which model frugal would choose')
    .argument('<files...>', 'files, folders or - for standard input')
    .addOption(new Option('--kind <kind>', 'job kind').choices(['summarize']).default('summarize'))
    .addOption(new Option('--tier <tier>', 'minimum quality').choices(TIERS).default('standard'))
    .option('--max-words <n>', 'target summary length (default 150)')
    .option('--private', 'only self-hosted models')
    .option('--deadline <when>', 'when the answers are needed (24h, 2d, ISO time): 24h or more also prices the batch APIs')
    .option('--json', 'print as JSON')
    .action(async (files: string[], options: EstimateOptions) => {
      await withContext(async (ctx) => {
        const maxWords = options.maxWords === undefined ? undefined : parseCount(options.maxWords, '--max-words', { min: 10, max: 5_000 });
        const catalog = loadCatalog(ctx.config);
        const calibration = await ctx
          .db()
          .then(({ db }) => loadCalibration(db, { refreshMs: 0 }))
          .catch(() => NO_CALIBRATION);
        const learned = await ctx
          .db()
          .then(({ pool }) => new LearnedRatingStore(pool).load())
          .catch(() => undefined);
        const providers = createProviders(ctx.config, { logger: { info: () => {} } });
        const documents = await readDocuments(files);
        const estimates = [];
        for (const document of documents) {
          if ('error' in document) {
            process.stderr.write(`${red('skipped')} ${document.source}: ${document.error}\n`);
            process.exitCode = 1;
            continue;
          }
          const spec = parseJobSpec({ kind: options.kind, tier: options.tier, private: options.private ?? false, payload: { text: document.text, ...(maxWords ? { maxWords } : {}) }, ...(options.deadline ? { deadline: options.deadline } : {}) });
          const now = Date.now();
          const f = forecast(spec, catalog, calibration, (p) => providers.unavailableReason(p), undefined, learned, (m) => isBatchEligible(spec, m, now));
          // What the worker will actually run: a long document in chunks and reduce calls.
          const job = forecastJob(spec, catalog, calibration, (p) => providers.unavailableReason(p), {
            batchEligible: (s, m) => isBatchEligible(s, m, now),
            ...(learned ? { learnedRatings: learned } : {}),
          });
          if (job.noModel) process.exitCode = 1;
          estimates.push({
            source: document.source,
            chosen: f.route.modelId ?? null,
            mode: f.route.mode,
            job: {
              model: job.model,
              mode: job.mode,
              calls: job.calls,
              expectedCostMicros: job.expectedCostMicros,
              maxCostMicros: job.maxCostMicros,
              ...(job.chunks === undefined ? {} : { chunks: job.chunks, reduceCalls: job.reduceCalls }),
              ...(job.noModel ? { noModel: job.noModel } : {}),
            },
            candidates: f.route.candidates.map((c) => {
              const synced = f.estimates.get(c.modelId)!;
              const e = c.mode === 'batch' ? priceInBatch(synced, catalog.require(c.modelId)) : synced;
              return {
                model: c.modelId,
                mode: c.mode ?? 'sync',
                provider: c.provider,
                inputTokens: e.inputTokens,
                maxInputTokens: e.maxInputTokens,
                expectedOutputTokens: e.expectedOutputTokens,
                maxOutputTokens: e.maxOutputTokens,
                expectedCostMicros: e.expectedCostMicros,
                maxCostMicros: e.maxCostMicros,
                chosen: c.lost === undefined,
                ...(c.lost === undefined ? {} : { lost: c.lost }),
              };
            }),
          });
        }
        if (options.json) {
          printJson(estimates);
          return;
        }
        for (const estimate of estimates) {
          const { job } = estimate;
          const head = job.noModel
            ? red(job.noModel)
            : job.chunks !== undefined
              ? `${bold(`split into ${job.chunks} chunks + ${job.reduceCalls} reduce call(s)`)} on ${bold(`${job.model ?? '-'}${job.mode === 'batch' ? ' (batch)' : ''}`)}: expected ${formatDollars(job.expectedCostMicros)}, at most ${formatDollars(job.maxCostMicros)} (${job.calls} calls); as one call:`
              : bold(estimate.chosen ? `${estimate.chosen}${estimate.mode === 'batch' ? ' (batch)' : ''}` : '-');
          process.stdout.write(`\n${bold(estimate.source)} → ${head}\n`);
          printTable(estimate.candidates, [
            { header: 'MODEL', value: (c) => `${c.chosen ? '*' : ' '} ${c.model}` },
            { header: 'MODE', value: (c) => c.mode },
            { header: 'INPUT TOK', value: (c) => `${c.inputTokens} (≤${c.maxInputTokens})`, align: 'right' },
            { header: 'OUTPUT TOK', value: (c) => `${c.expectedOutputTokens} (≤${c.maxOutputTokens})`, align: 'right' },
            { header: 'EXPECTED', value: (c) => formatDollars(c.expectedCostMicros), align: 'right' },
            { header: 'MAXIMUM', value: (c) => formatDollars(c.maxCostMicros), align: 'right' },
            { header: 'WHY NOT', value: (c) => dim(c.lost ?? '') },
          ]);
        }
      });
    });
}
