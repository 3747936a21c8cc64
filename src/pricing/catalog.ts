import { UnknownModelError } from './catalog-error.js';
import type { CatalogModel } from './catalog-model.js';
import type { ProviderId } from './types.js';

/** The models frugal may route to, looked up by catalog id or by provider and provider model id. */
export class Catalog {
  /** The override file merged onto the built-in entries, if any. */
  readonly overridePath: string | undefined;
  private readonly models: readonly CatalogModel[];
  private readonly byId: ReadonlyMap<string, CatalogModel>;
  private readonly byProviderModel: ReadonlyMap<string, CatalogModel>;

  constructor(models: readonly CatalogModel[], overridePath?: string) {
    this.models = models;
    this.overridePath = overridePath;
    this.byId = new Map(models.map((model) => [model.id, model]));
    this.byProviderModel = new Map(models.map((model) => [providerKey(model.provider, model.providerModelId), model]));
  }

  /** Every model, built-ins first in catalog order, then models added by the override file. */
  list(): readonly CatalogModel[] {
    return this.models;
  }

  get(id: string): CatalogModel | undefined {
    return this.byId.get(id);
  }

  /** Like {@link get}, but an unknown id is an error naming the known ones. */
  require(id: string): CatalogModel {
    const model = this.byId.get(id);
    if (!model) throw new UnknownModelError(id, [...this.byId.keys()]);
    return model;
  }

  /** The entry for what a provider reports (`claude-haiku-5-5` from `anthropic`). */
  findByProviderModel(provider: ProviderId, providerModelId: string): CatalogModel | undefined {
    return this.byProviderModel.get(providerKey(provider, providerModelId));
  }
}

function providerKey(provider: ProviderId, providerModelId: string): string {
  return `${provider}\u0000${providerModelId}`;
}
