import { InputError } from '../errors.js';
import { NO_CALIBRATION, type Calibration } from './calibration.js';
import type { CatalogModel } from './catalog-model.js';
import { callCostMicros } from './cost-micros.js';
import { countRequestTokens, type EstimateRequest } from './count-request-tokens.js';
import { allowanceEffort, DEFAULT_THINKING_ALLOWANCE, thinkingTokensAllowed, type Reasoning } from './reasoning.js';
import { isSchemaInPrompt, jsonInstructionTokens } from './structured-output.js';
import { scaleTokens } from './tokenizer-for.js';
import type { Kind } from './types.js';

/** What one call of a job on one model will cost at most and most likely. */
export interface Estimate {
  /** tiktoken count in the model's catalog encoding, before correction; feed it to recordObservation. */
  rawInputTokens: number;
  /** Expected provider input tokens (calibrated expected ratio). */
  inputTokens: number;
  /** Upper bound of provider input tokens (calibrated safe ratio). */
  maxInputTokens: number;
  /**
   * The output limit to send with the call: the answer cap plus the thinking allowance, at most
   * the model's max output. Thinking counts against it, so it is also what to reserve for.
   */
  maxOutputTokens: number;
  /** min(job cap, model max output): the answer's own share of `maxOutputTokens`. */
  answerCapTokens: number;
  /** Thinking tokens allowed on top of the answer cap (0 when the call does not think). */
  thinkingAllowanceTokens: number;
  /** Expected output tokens, thinking included (learned from the ledger once enough calls settled). */
  expectedOutputTokens: number;
  /** The reasoning control to send (the catalog's for the job's kind); absent for models without one. */
  reasoning?: Reasoning;
  /** Cost of maxInputTokens + maxOutputTokens: what to reserve. */
  maxCostMicros: number;
  /** Cost of inputTokens + expectedOutputTokens: what to route on. */
  expectedCostMicros: number;
  /** maxInputTokens + maxOutputTokens fit the model's context window. */
  fitsWindow: boolean;
}

/**
 * Conservative tokens per English word for caps given in words: typical English runs about
 * 1.3 tokens per word in cl100k_base/o200k_base; 2 also covers Claude's larger counts (×1.5),
 * code, numbers and most European languages.
 */
export const TOKENS_PER_WORD = 2;

/**
 * Share of the output cap a call of each kind is expected to use, in percent, until the ledger
 * holds enough settled calls of that kind on that model: labels are short, summaries and
 * reports run long.
 */
export const DEFAULT_OUTPUT_PERCENT: Readonly<Record<Kind, number>> = { summarize: 60, extract: 50, classify: 25, report: 70 };

/** Share of the thinking allowance a thinking call is expected to use, in percent, until the ledger knows better. */
export const DEFAULT_THINKING_PERCENT = 25;

/**
 * Estimates one call of `request` on `model`. The request's text is tokenized once per
 * encoding and remembered on the request object, so estimating every candidate model costs one
 * or two tokenizations in all; the rest is integer arithmetic and map lookups (no queries).
 */
export function estimate(request: EstimateRequest, model: CatalogModel, calibration: Calibration = NO_CALIBRATION): Estimate {
  // A prompt-carried schema (JSON mode, or no mechanism) adds its instruction to the prompt.
  const instruction = request.schema !== undefined && isSchemaInPrompt(model.structuredOutput) ? jsonInstructionTokens(model.tokenizer.encoding) : 0;
  const rawInputTokens = countRequestTokens(request, model.tokenizer.encoding) + instruction;
  const ratios = calibration.inputRatios(model);
  const inputTokens = scaleTokens(rawInputTokens, ratios.expectedRatio);
  const maxInputTokens = scaleTokens(rawInputTokens, ratios.safeRatio);

  const { maxOutputTokens, expectedOutputTokens, answerCapTokens, thinkingAllowanceTokens, reasoning } = outputTokens(request, model, calibration);

  return {
    rawInputTokens,
    inputTokens,
    maxInputTokens,
    maxOutputTokens,
    answerCapTokens,
    thinkingAllowanceTokens,
    expectedOutputTokens,
    ...(reasoning ? { reasoning } : {}),
    maxCostMicros: callCostMicros(model, maxInputTokens, 0, maxOutputTokens),
    expectedCostMicros: callCostMicros(model, inputTokens, 0, expectedOutputTokens),
    fitsWindow: maxInputTokens + maxOutputTokens <= model.contextWindow,
  };
}

/** A call's output tokens at most and most likely, and how they split between answer and thinking. */
export function outputTokens(
  request: EstimateRequest,
  model: CatalogModel,
  calibration: Calibration = NO_CALIBRATION,
): Pick<Estimate, 'maxOutputTokens' | 'expectedOutputTokens' | 'answerCapTokens' | 'thinkingAllowanceTokens' | 'reasoning'> {
  const cap = outputCap(request);
  const answerCapTokens = cap === undefined || cap > model.maxOutputTokens ? model.maxOutputTokens : cap;
  const reasoning = model.reasoning?.[request.kind];
  let thinkingAllowanceTokens = 0;
  if (reasoning) {
    const effort = allowanceEffort(reasoning);
    const configured = model.thinkingAllowance?.[effort] ?? DEFAULT_THINKING_ALLOWANCE[effort];
    const learned = calibration.thinkingAllowance?.(model.id, effort) ?? 0;
    thinkingAllowanceTokens = thinkingTokensAllowed(reasoning, learned > configured ? learned : configured);
  }
  const total = answerCapTokens + thinkingAllowanceTokens;
  const maxOutputTokens = total > model.maxOutputTokens ? model.maxOutputTokens : total;
  const learned = calibration.expectedOutputTokens(request.kind, model.id);
  const guess =
    learned ??
    Math.ceil((answerCapTokens * DEFAULT_OUTPUT_PERCENT[request.kind]) / 100) + Math.ceil((thinkingAllowanceTokens * DEFAULT_THINKING_PERCENT) / 100);
  return {
    maxOutputTokens,
    answerCapTokens,
    thinkingAllowanceTokens: maxOutputTokens - answerCapTokens,
    expectedOutputTokens: guess > maxOutputTokens ? maxOutputTokens : guess,
    ...(reasoning ? { reasoning } : {}),
  };
}

/**
 * A lower bound of `estimate(...).expectedCostMicros` that counts no tokens: the expected output
 * alone, at the base output price (long-context prices are never lower). Lets the router skip
 * counting a document in an encoding whose models cannot be the cheapest.
 */
export function expectedCostFloor(request: EstimateRequest, model: CatalogModel, calibration: Calibration = NO_CALIBRATION): number {
  return callCostMicros(model, 0, 0, outputTokens(request, model, calibration).expectedOutputTokens);
}

/** The job's own output cap in tokens (the smaller when both forms are given), if it has one. */
export function outputCap(request: Pick<EstimateRequest, 'maxOutputTokens' | 'maxWords'>): number | undefined {
  checkCap(request.maxOutputTokens, 'maxOutputTokens');
  checkCap(request.maxWords, 'maxWords');
  const fromWords = request.maxWords === undefined ? undefined : Math.ceil(request.maxWords * TOKENS_PER_WORD);
  if (request.maxOutputTokens === undefined) return fromWords;
  if (fromWords === undefined) return request.maxOutputTokens;
  return fromWords < request.maxOutputTokens ? fromWords : request.maxOutputTokens;
}

function checkCap(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
    throw new InputError(`${name} must be a positive whole number (got ${value})`, `give the job a ${name} of 1 or more, or leave it out`);
  }
}
