import type { CatalogModel } from '../pricing/catalog-model.js';
import type { Kind } from '../pricing/types.js';

/**
 * The reasoning setting a model runs a kind with, as stored on eval items (`''` for models with
 * none): evidence gathered under one setting says nothing about another, so learned ratings count
 * only the items of the setting in force.
 */
export function reasoningKey(model: Pick<CatalogModel, 'reasoning'>, kind: Kind): string {
  const reasoning = model.reasoning?.[kind];
  if (reasoning === undefined) return '';
  return 'effort' in reasoning ? `effort=${reasoning.effort},thinking=${reasoning.thinking}` : `thinkingBudget=${reasoning.thinkingBudget}`;
}
