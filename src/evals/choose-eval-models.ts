import type { Catalog } from '../pricing/catalog.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import type { Kind } from '../pricing/types.js';
import type { ProviderRegistry } from '../providers/create-providers.js';
import { EvalError } from './eval-error.js';

export interface EvalModels {
  reference: CatalogModel;
  candidates: CatalogModel[];
  /** The judge of each candidate (summarize, report); absent when no model may judge it. */
  judges: Map<string, CatalogModel | undefined>;
}

const listPrice = (m: CatalogModel) => m.inputPerMillionMicros + m.outputPerMillionMicros;

/**
 * The eval's models. Reference: `--reference`, else the cheapest premium-rated model for the kind.
 * Candidates: `--models`, else every configured model but the reference (those rated `none`
 * included). Judge: the reference, or another premium model when the candidate is of the
 * reference's family (its provider); never the candidate itself.
 */
export function chooseEvalModels(catalog: Catalog, providers: ProviderRegistry, kind: Kind, options: { reference?: string; models?: readonly string[] }): EvalModels {
  const usable = (m: CatalogModel) => providers.unavailableReason(m.provider) === undefined;
  const premium = catalog
    .list()
    .filter((m) => m.ratings[kind] === 'premium' && usable(m))
    .sort((a, b) => listPrice(a) - listPrice(b));
  const reference = options.reference !== undefined ? catalog.require(options.reference) : premium[0];
  if (!reference) throw new EvalError('EVAL_NO_REFERENCE', `no configured model is rated premium for ${kind}`, 'name the reference with --reference MODEL');
  const candidates = (options.models ?? catalog.list().filter(usable).map((m) => m.id))
    .filter((id) => id !== reference.id)
    .map((id) => catalog.require(id));
  if (candidates.length === 0) throw new EvalError('EVAL_BAD_OPTION', 'no candidate model left besides the reference', 'name candidates with --models a,b');
  const judges = new Map<string, CatalogModel | undefined>();
  for (const candidate of candidates) {
    const judge =
      candidate.provider !== reference.provider ? reference : premium.find((m) => m.id !== candidate.id && m.provider !== candidate.provider);
    judges.set(candidate.id, judge);
  }
  return { reference, candidates, judges };
}
