import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { DEFAULT_MIN_ITEMS, DEFAULT_THRESHOLDS, type LearnedRating, type RatingThresholds } from '../../evals/learn-ratings.js';
import { applyRatings, proposeRatings } from '../../evals/propose-ratings.js';
import { loadCatalog } from '../../pricing/load-catalog.js';
import { KINDS, type Kind, type Rating } from '../../pricing/types.js';
import { LearnedRatingStore } from '../../router/learned-rating-store.js';
import { ratingInForce } from '../../router/route.js';
import { withContext, type CliContext } from '../context.js';
import { dim, formatTable, printJson } from '../output.js';
import { parseCount } from '../parse-options.js';

export interface RatingCliOptions {
  minItems?: string;
  thresholds?: string;
}

/** `--min-items` and `--thresholds b,s,a` as options of proposeRatings. */
export function parseRatingOptions(options: RatingCliOptions): { minItems?: number; thresholds?: RatingThresholds } {
  const out: { minItems?: number; thresholds?: RatingThresholds } = {};
  if (options.minItems !== undefined) out.minItems = parseCount(options.minItems, '--min-items', { min: 1 });
  if (options.thresholds !== undefined) {
    const parts = options.thresholds.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p <= 0 || p > 1) || !(parts[0]! <= parts[1]! && parts[1]! <= parts[2]!)) {
      throw new InputError(`--thresholds "${options.thresholds}" is not three ascending shares`, `give basic,standard,advanced between 0 and 1, e.g. ${Object.values(DEFAULT_THRESHOLDS).join(',')}`);
    }
    out.thresholds = { basic: parts[0]!, standard: parts[1]!, advanced: parts[2]! };
  }
  return out;
}

/** One row of `frugal ratings`: the catalog, file and learned ratings of a model for a kind, and which is in force. */
export interface RatingsRow {
  model: string;
  kind: Kind;
  /** The rating of the catalog in use (built-in entries with the FRUGAL_CATALOG file applied). */
  catalog: Rating;
  /** Set when the FRUGAL_CATALOG file changed the built-in rating. */
  file: Rating | null;
  /** What the evidence in the window supports now (null: no eval items). */
  learned: Rating | null;
  evidence: Pick<LearnedRating, 'items' | 'agreement' | 'lower' | 'upper' | 'change' | 'reason'> | null;
  inForce: Rating;
  source: 'catalog' | 'file' | 'learned';
}

export async function collectRatings(ctx: CliContext, options: RatingCliOptions = {}): Promise<RatingsRow[]> {
  const { pool } = await ctx.db();
  const catalog = loadCatalog(ctx.config);
  const builtIn = loadCatalog({ ...ctx.config, catalogPath: undefined });
  const inForce = await new LearnedRatingStore(pool).load();
  const proposals = await proposeRatings(pool, catalog, inForce, parseRatingOptions(options));
  const rows: RatingsRow[] = [];
  for (const kind of KINDS) {
    for (const model of catalog.list()) {
      const base = builtIn.get(model.id)?.ratings[kind];
      const fileRating = base === undefined || base !== model.ratings[kind] ? model.ratings[kind] : null;
      const p = proposals.find((x) => x.model === model.id && x.kind === kind);
      const force = ratingInForce(model, kind, inForce);
      rows.push({
        model: model.id,
        kind,
        catalog: base ?? model.ratings[kind],
        file: fileRating,
        learned: p && p.items > 0 ? p.learnedRating : null,
        evidence: p && p.items > 0 ? { items: p.items, agreement: p.agreement, lower: p.lower, upper: p.upper, change: p.change, reason: p.reason } : null,
        inForce: force.rating,
        source: force.learned ? 'learned' : fileRating !== null ? 'file' : 'catalog',
      });
    }
  }
  return rows;
}

export function formatProposals(rows: readonly LearnedRating[]): string {
  return formatTable(rows, [
    { header: 'MODEL', value: (r) => r.model },
    { header: 'KIND', value: (r) => r.kind },
    { header: 'FROM', value: (r) => r.currentRating },
    { header: 'TO', value: (r) => r.learnedRating },
    { header: 'ITEMS', value: (r) => String(r.items), align: 'right' },
    { header: 'WHY', value: (r) => r.reason },
  ]);
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function registerRatings(program: Command): void {
  const ratings = program
    .command('ratings')
    .description('ratings per model and kind: the catalog\'s, the override file\'s, the learned ones from evals, and which is in force')
    .option('--min-items <n>', 'fewest eval items that change a rating', String(DEFAULT_MIN_ITEMS))
    .option('--thresholds <b,s,a>', 'agreement with the reference needed for basic, standard, advanced', Object.values(DEFAULT_THRESHOLDS).join(','))
    .option('--json', 'print one JSON document')
    .action(async (options: RatingCliOptions & { json?: boolean }) => {
      const rows = await withContext((ctx) => collectRatings(ctx, options));
      if (options.json) return printJson({ ratings: rows });
      const shown = rows.filter((r) => r.evidence !== null || r.source !== 'catalog');
      process.stdout.write(
        `${formatTable(shown.length > 0 ? shown : rows, [
          { header: 'MODEL', value: (r) => r.model },
          { header: 'KIND', value: (r) => r.kind },
          { header: 'CATALOG', value: (r) => r.catalog },
          { header: 'FILE', value: (r) => r.file ?? '' },
          { header: 'LEARNED', value: (r) => r.learned ?? '' },
          { header: 'EVIDENCE', value: (r) => (r.evidence ? `${pct(r.evidence.agreement)} (${pct(r.evidence.lower)}–${pct(r.evidence.upper)}) of ${r.evidence.items}` : '') },
          { header: 'IN FORCE', value: (r) => `${r.inForce} (${r.source})` },
        ])}\n${shown.length > 0 ? dim('models and kinds without eval evidence follow the catalog (frugal ratings --json lists all)') : ''}\n`,
      );
    });
  ratings
    .command('apply')
    .description('put the learned ratings in force (promotions and demotions supported by the evidence); workers pick them up without a restart')
    .option('--kind <kind>', 'only this kind')
    .option('--min-items <n>', 'fewest eval items that change a rating', String(DEFAULT_MIN_ITEMS))
    .option('--thresholds <b,s,a>', 'agreement needed for basic, standard, advanced', Object.values(DEFAULT_THRESHOLDS).join(','))
    .option('--json', 'print one JSON document')
    .action(async (options: RatingCliOptions & { kind?: string; json?: boolean }) => {
      const kind = options.kind?.trim().toLowerCase();
      if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw new InputError(`--kind "${options.kind}" is not a job kind`, `give one of ${KINDS.join(', ')}`);
      const applied = await withContext((ctx) => applyLearnedRatings(ctx, { ...(options.minItems ? { minItems: options.minItems } : {}), ...(options.thresholds ? { thresholds: options.thresholds } : {}), ...(kind ? { kind: kind as Kind } : {}) }));
      if (options.json) return printJson({ applied });
      process.stdout.write(applied.length === 0 ? 'no rating changed: the evidence supports the ratings in force\n' : `${formatProposals(applied)}\n`);
    });
  ratings
    .command('reset')
    .description('return to the catalog\'s ratings (learned ratings leave force; the eval evidence stays)')
    .option('--kind <kind>', 'only this kind')
    .action(async (options: { kind?: string }) => {
      const kind = options.kind?.trim().toLowerCase();
      if (kind !== undefined && !(KINDS as readonly string[]).includes(kind)) throw new InputError(`--kind "${options.kind}" is not a job kind`, `give one of ${KINDS.join(', ')}`);
      const dropped = await withContext(async (ctx) => new LearnedRatingStore((await ctx.db()).pool).reset(kind as Kind | undefined));
      process.stdout.write(`${dropped} learned rating(s) left force; the catalog decides\n`);
    });
}

export async function applyLearnedRatings(ctx: CliContext, options: RatingCliOptions & { kind?: Kind } = {}): Promise<LearnedRating[]> {
  const { pool } = await ctx.db();
  const store = new LearnedRatingStore(pool);
  const proposals = await proposeRatings(pool, loadCatalog(ctx.config), await store.load(), { ...parseRatingOptions(options), ...(options.kind ? { kind: options.kind } : {}) });
  return applyRatings(store, proposals);
}
