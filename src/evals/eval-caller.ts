import { newCallId } from '../budget/budget-ledger.js';
import type { BudgetLedger } from '../budget/budget-ledger.js';
import type { CallPurpose } from '../budget/types.js';
import type { Calibration } from '../pricing/calibration.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { costMicros } from '../pricing/cost-micros.js';
import type { EstimateRequest } from '../pricing/count-request-tokens.js';
import { estimate } from '../pricing/estimate.js';
import { ProviderError, RateLimitedError } from '../providers/errors.js';
import type { ProviderRegistry } from '../providers/create-providers.js';
import type { ChatRequest, ChatResponse } from '../providers/types.js';
import { EvalError } from './eval-error.js';

/** The shared per-provider rate limiter (the workers' ProviderLimiter), as eval calls need it. */
export interface CallAdmission {
  acquire(modelId: string, tokens: number): Promise<{ ok: true } | { ok: false; retryInMs: number }>;
}

export interface EvalCallerOptions {
  calibration: Calibration;
  providers: ProviderRegistry;
  ledger: BudgetLedger;
  /** The rate limiter shared with the workers. Default: none (only for tests of the eval alone). */
  admission?: CallAdmission;
  /** Budgets named with `--budget`; global budgets apply on top, `kind:` budgets never. */
  budgetNames: readonly string[];
  /** Tries of a call that failed with a retryable error (5xx, timeout, 429). Default 3. */
  maxTries?: number;
  /** First backoff between tries, doubled each time. Default 500 ms. */
  backoffMs?: number;
  /** Time limit of one call. Default: the provider registry's. */
  timeoutMs?: number;
}

export interface EvalCall {
  purpose: Exclude<CallPurpose, 'job'>;
  /** Ledger job id of the eval item: `eval:<run>:<model>:<job>` (judge calls share it). */
  itemId: string;
  seq: number;
  model: CatalogModel;
  request: Omit<ChatRequest, 'model' | 'maxOutputTokens'>;
  estimate: EstimateRequest;
}

/**
 * One eval call pinned to one model (no routing, no cascade) through the same primitives as a
 * job's: reserve the maximum cost (on `--budget` and global budgets), take a rate-limit slot,
 * call, settle at the actual cost — or release when the call certainly did not happen.
 */
export class EvalCaller {
  constructor(private readonly options: EvalCallerOptions) {}

  async call(call: EvalCall): Promise<{ response: ChatResponse; costMicros: number }> {
    const { options } = this;
    const est = estimate(call.estimate, call.model, options.calibration);
    const provider = options.providers.get(call.model.provider);
    if (!provider) {
      throw new EvalError('EVAL_CALL_FAILED', `${call.model.id}: ${options.providers.unavailableReason(call.model.provider) ?? 'provider not configured'}`, 'configure its key, or leave the model out with --models');
    }
    const maxTries = options.maxTries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const callId = newCallId();
      const reservation = await options.ledger.reserve({
        callId,
        jobId: call.itemId,
        attempt,
        seq: call.seq,
        kind: call.estimate.kind,
        purpose: call.purpose,
        model: call.model.id,
        provider: call.model.provider,
        budgetNames: options.budgetNames,
        maxCostMicros: est.maxCostMicros,
        estInputTokens: est.inputTokens,
        estOutputTokens: est.expectedOutputTokens,
        estCostMicros: est.expectedCostMicros,
      });
      if (!reservation.ok) {
        throw new EvalError('EVAL_BUDGET_REFUSED', `budget "${reservation.blockingBudget}" has no room for the eval's next call`, 'raise its limit with frugal budget set, or sample fewer jobs with --sample');
      }
      await this.admit(call.model.id, est.maxInputTokens + est.maxOutputTokens);
      let response: ChatResponse;
      try {
        response = await provider.chat({
          ...call.request,
          model: call.model.providerModelId,
          maxOutputTokens: est.maxOutputTokens,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        });
      } catch (error) {
        if (error instanceof ProviderError && error.certainlyNotBilled) await options.ledger.release(callId, error.code);
        else {
          await options.ledger.settle(callId, {
            costMicros: est.maxCostMicros,
            usage: { inputTokens: est.maxInputTokens, cachedInputTokens: 0, outputTokens: est.maxOutputTokens },
            usageEstimated: true,
          });
        }
        if (error instanceof ProviderError && error.retryable && attempt + 1 < maxTries) {
          const wait = error instanceof RateLimitedError ? (error.retryAfterMs ?? 1_000) : (options.backoffMs ?? 500) * 2 ** attempt;
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        throw new EvalError('EVAL_CALL_FAILED', `${call.model.id} failed: ${(error as Error).message}`, 'see frugal status for the provider\'s health');
      }
      const cost = costMicros(response.usage, call.model);
      await options.ledger.settle(callId, { costMicros: cost, usage: response.usage, usageEstimated: response.usageEstimated });
      return { response, costMicros: cost };
    }
  }

  private async admit(modelId: string, tokens: number): Promise<void> {
    const admission = this.options.admission;
    if (!admission) return;
    for (;;) {
      const slot = await admission.acquire(modelId, tokens);
      if (slot.ok) return;
      await new Promise((resolve) => setTimeout(resolve, slot.retryInMs));
    }
  }
}
