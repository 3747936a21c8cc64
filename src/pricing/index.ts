/** The pricing module's public API: catalog, token estimation, cost math, calibration. */
export type { CatalogModel, LongContextPrices, RateLimits, TokenizerSpec } from './catalog-model.js';
export { Catalog } from './catalog.js';
export { CatalogError, UnknownModelError } from './catalog-error.js';
export { DEFAULT_MODELS, LOCAL_MODEL_ID, localModelEntry } from './default-catalog.js';
export { applyCatalogOverride, builtInModels, loadCatalog, readCatalogFile, type CatalogConfig } from './load-catalog.js';
export { countModelTokens, scaleTokens, tokenizerFor } from './tokenizer-for.js';
export { countRequestTokens, type EstimateRequest } from './count-request-tokens.js';
export { DEFAULT_OUTPUT_PERCENT, TOKENS_PER_WORD, estimate, outputCap, type Estimate } from './estimate.js';
export { callCostMicros, costMicros, type CostOptions } from './cost-micros.js';
export { CalibrationSnapshot, NO_CALIBRATION, calibrateRatios, type Calibration, type InputRatios, type ModelObservations } from './calibration.js';
export { CalibrationStore, loadCalibration, type CalibrationOptions } from './calibration-store.js';
export { raiseSafeBound, recordObservation, recordObservations, type Observation } from './record-observation.js';
export { formatPerMillion } from './format-price.js';
export {
  ANTHROPIC_REASONING_BY_KIND,
  DEFAULT_THINKING_ALLOWANCE,
  EFFORTS,
  GOOGLE_REASONING_BY_KIND,
  allowanceEffort,
  isAnthropicReasoning,
  isGoogleReasoning,
  raisedThinkingAllowance,
  thinkingTokensAllowed,
  type AnthropicReasoning,
  type Effort,
  type GoogleReasoning,
  type Reasoning,
} from './reasoning.js';
export { STRUCTURED_OUTPUT_MODES, appendSchemaToSystem, isSchemaInPrompt, type StructuredOutputMode } from './structured-output.js';
export { raiseThinkingAllowance } from './record-observation.js';
export { DEFAULT_THINKING_PERCENT } from './estimate.js';
