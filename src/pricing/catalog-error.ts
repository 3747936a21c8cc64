import { FrugalError } from '../errors.js';

/** The catalog override file (FRUGAL_CATALOG) is missing, unreadable or invalid. */
export class CatalogError extends FrugalError {
  constructor(message: string, hint?: string) {
    super('CATALOG_INVALID', message, hint === undefined ? {} : { hint });
  }
}

/** A model id that is not in the catalog. */
export class UnknownModelError extends FrugalError {
  readonly modelId: string;

  constructor(modelId: string, known: readonly string[]) {
    super('MODEL_UNKNOWN', `model "${modelId}" is not in the catalog`, { hint: `use one of ${known.join(', ')} (see frugal models)` });
    this.modelId = modelId;
  }
}
