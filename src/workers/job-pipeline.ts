import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { isTransient } from '../budget/apply-budget-batch.js';
import { newCallId } from '../budget/budget-ledger.js';
import { UnknownCallError } from '../budget/unknown-call-error.js';
import type { ReserveRefused } from '../budget/types.js';
import { FrugalError } from '../errors.js';
import { JOB_KINDS } from '../jobs/index.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { splitDocument } from '../jobs/split-document.js';
import type { SummarizePayload } from '../jobs/summarize.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { costMicros } from '../pricing/cost-micros.js';
import { estimate, expectedCostFloor, outputCap, type Estimate } from '../pricing/estimate.js';
import { allowanceEffort, raisedThinkingAllowance } from '../pricing/reasoning.js';
import { raiseSafeBound, raiseThinkingAllowance } from '../pricing/record-observation.js';
import { countTokens } from '../pricing/tokenizer.js';
import {
  AuthenticationError,
  BadRequestError,
  ContextTooLongError,
  ProviderError,
  RateLimitedError,
} from '../providers/errors.js';
import type { ChatRequest, ChatResponse } from '../providers/types.js';
import { chunkJobs, combineSpec, parseChildJobId } from '../queue/long-documents.js';
import type { AttemptProgress, IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import { chunkTokensFor } from '../router/chunk-size.js';
import { estimateRequestFor } from '../router/forecast.js';
import { route, type Route, type RouteRequest } from '../router/route.js';
import { AttemptExhaustedError } from './attempt-exhausted-error.js';
import { BatchPath } from './batch-path.js';
import type { FenceVerdict } from './job-fence.js';
import type { WorkerRuntime } from './worker-runtime.js';

type IntakeJob = Job<IntakeJobData, IntakeJobResult>;

/** Safety stop for the routing loop of one attempt (re-routes after budget refusals, skips). */
const MAX_ROUTING_STEPS = 24;
/** How long a job waits when the missing room is held by open reservations that will settle soon. */
const SHORT_BUDGET_WAIT_MS = 1_000;
/** How long a job waits on a `total` budget before checking again (a raised limit wakes it sooner). */
const TOTAL_BUDGET_RECHECK_MS = 3_600_000;

/** Why a model is skipped after its vendor declined to answer (not a quality failure). */
export const REFUSED_REASON = "refused by the vendor's safety classifier";

/**
 * What one attempt has learned so far. All but the budget room is kept in the job's data across
 * waits (`AttemptProgress`); the room is learned again, as it changes while the job waits.
 */
interface AttemptState {
  failed: Array<{ modelId: string; reason: string }>;
  skip: Map<string, string>;
  /** Models in `skip` because their vendor refused to answer. */
  refused: Set<string>;
  /** Room left on the job's tightest hard budget, learned from a refused reservation. */
  roomMicros: number | undefined;
  lastRefusal: ReserveRefused | undefined;
  calls: number;
  costMicros: number;
  seq: number;
  route: Route | undefined;
}

/** The attempt's state from the job's data, or a fresh one when BullMQ started a new attempt. */
function resumeAttempt(job: IntakeJob): AttemptState {
  const saved = job.data.attempt;
  const fresh: AttemptState = { failed: [], skip: new Map(), refused: new Set(), roomMicros: undefined, lastRefusal: undefined, calls: 0, costMicros: 0, seq: 0, route: undefined };
  if (!saved || saved.attemptsMade !== job.attemptsMade) return fresh;
  return {
    ...fresh,
    failed: saved.failed.map((f) => ({ ...f })),
    skip: new Map(saved.skip.map((s) => [s.modelId, s.reason])),
    refused: new Set(saved.skip.filter((s) => s.refused).map((s) => s.modelId)),
    calls: saved.calls,
    costMicros: saved.costMicros,
    seq: saved.seq,
  };
}

function progressOf(job: IntakeJob, state: AttemptState): AttemptProgress {
  return {
    attemptsMade: job.attemptsMade,
    failed: state.failed,
    skip: [...state.skip].map(([modelId, reason]) => (state.refused.has(modelId) ? { modelId, reason, refused: true as const } : { modelId, reason })),
    calls: state.calls,
    costMicros: state.costMicros,
    seq: state.seq,
  };
}

/**
 * The path of a job (DESIGN.md): validate → estimate → route → reserve → call → check → settle →
 * persist → complete. Every provider call has its own call id and ledger row; after a failed
 * check or a refusal the next cheapest qualified model is called in the same attempt (a cascade).
 * Waiting — for a rate limit, a cooling provider or budget — delays the job without burning an
 * attempt, and the attempt goes on where it stopped.
 */
export class JobPipeline {
  private readonly batch: BatchPath;

  constructor(private readonly rt: WorkerRuntime) {
    this.batch = new BatchPath(rt);
  }

  async process(job: IntakeJob, token: string | undefined): Promise<IntakeJobResult> {
    const jobId = job.id!;
    // Delivered again after a crash between persisting its result and completing: no new call.
    if (job.attemptsMade > 0 || job.stalledCounter > 0) {
      const stored = await this.rt.results.find(jobId);
      if (stored) return { text: stored.outputText, model: stored.model, costMicros: stored.costMicros };
    }
    let spec = job.data.spec;
    if (spec.kind === 'summarize') {
      const payload = spec.payload as SummarizePayload;
      if (payload.part?.role === 'combine') {
        const combined = await this.combineChildren(job, spec);
        if ('groups' in combined) return this.splitIntoChunks(job, token, spec, combined.groups, combined.level);
        spec = { ...spec, payload: { ...payload, text: combined.text } };
      } else if (payload.part === undefined) {
        const limit = this.chunkLimit(spec);
        // A token is at least one byte: a text of at most `limit` bytes fits without counting.
        if (limit > 0 && Buffer.byteLength(payload.text, 'utf8') > limit && countTokens(payload.text, 'cl100k_base') > limit) {
          return this.splitIntoChunks(job, token, spec, splitDocument(payload.text, limit, 'cl100k_base'), 0);
        }
      }
    }
    return this.run(job, token, spec);
  }

  private async run(job: IntakeJob, token: string | undefined, spec: JobSpec): Promise<IntakeJobResult> {
    const { rt } = this;
    const jobId = job.id!;
    const kind = JOB_KINDS[spec.kind];
    const prompt = kind.buildPrompt(spec.payload);
    const request = estimateRequestFor(spec, prompt);
    const state = resumeAttempt(job);
    /** This delivery's calls: their settlements are not another delivery's (the fence). */
    const ownCalls: string[] = [];
    // The same request whether the call goes synchronously or as a line of a provider batch.
    const chatRequest = (model: CatalogModel, est: Estimate): ChatRequest => ({
      model: model.providerModelId,
      system: prompt.system,
      messages: prompt.messages,
      maxOutputTokens: est.maxOutputTokens,
      ...(prompt.output ? { output: prompt.output, structuredOutput: model.structuredOutput } : {}),
      ...(est.reasoning ? { reasoning: est.reasoning } : {}),
    });

    // A job back from a provider batch resumes from its stored line; whatever follows runs synchronously.
    // (Only a redelivered job can hold a call it never recorded: its worker died before the job waited.)
    if (!job.data.batchCall && rt.batches && spec.deadline !== undefined && (job.attemptsMade > 0 || job.stalledCounter > 0)) {
      const open = await this.batch.openCallOf(jobId);
      if (open) await job.updateData({ ...job.data, batchCall: open });
    }
    const fromBatch = job.data.batchCall !== undefined;
    if (fromBatch) {
      const call = job.data.batchCall!;
      const batchModel = rt.catalog.require(call.modelId);
      const resumed = await this.batch.resume(job, token, spec, chatRequest(batchModel, estimate(request, batchModel, rt.calibration)));
      // The batch call is this job's own: its settlement is not another delivery's.
      ownCalls.push(call.callId);
      if (resumed.kind === 'bad_request') throw await this.fail(job, spec, state, resumed.reason);
      if (resumed.kind === 'answer') {
        const cost = costMicros(resumed.response.usage, resumed.model, { batch: true });
        state.calls++;
        state.costMicros += cost;
        rt.metrics?.callFinished({ provider: resumed.model.provider, model: resumed.model.id, mode: 'batch', outcome: 'ok', seconds: 0 });
        const done = await this.checkAndPersist(job, spec, resumed.model, resumed.response, state, resumed.route, { callId: call.callId, costMicros: cost, reservedAt: Date.now() });
        if (done) return done;
      } else {
        rt.log.info({ jobId, reason: resumed.reason }, 'batch call fell back to a synchronous call');
      }
    }

    for (let step = 0; step < MAX_ROUTING_STEPS; step++) {
      // Models are estimated (their tokens counted) only when they could be the cheapest.
      const estimates = new Map<string, Estimate>();
      const estimateOf = (model: CatalogModel): Estimate => {
        let e = estimates.get(model.id);
        if (!e) estimates.set(model.id, (e = estimate(request, model, rt.calibration)));
        return e;
      };
      const candidates: RouteRequest['candidates'] = rt.catalog.list().map((model) => ({
        model,
        estimate: () => estimateOf(model),
        floorMicros: expectedCostFloor(request, model, rt.calibration),
        ...(!fromBatch && this.batch.windowFor(job, spec, model)
          ? { batch: { estimate: () => this.batch.priceInBatch(estimateOf(model), model), floorMicros: Math.floor((expectedCostFloor(request, model, rt.calibration) * (100 - model.batchDiscountPercent)) / 100) } }
          : {}),
      }));
      const routeRequest: RouteRequest = {
        kind: spec.kind,
        tier: spec.tier,
        private: spec.private,
        candidates,
        providerUnavailable: (p) => rt.providers.unavailableReason(p) ?? rt.health.unavailable(p),
        budgetRoomMicros: state.roomMicros,
        failedModels: state.failed,
        skipModels: state.skip,
        ...(rt.ratings ? { learnedRatings: rt.ratings.current } : {}),
      };
      const decision = route(routeRequest);
      state.route = decision;
      if (decision.modelId === undefined) return this.noModel(job, token, spec, routeRequest, state);

      const model = rt.catalog.require(decision.modelId);
      const inBatch = decision.mode === 'batch';
      const est = inBatch ? this.batch.priceInBatch(estimateOf(model), model) : estimateOf(model);
      // After a 429 the provider is slowed for everyone: wait for it rather than pay more elsewhere.
      const slowed = inBatch ? 0 : rt.health.slowedMs(model.provider);
      if (slowed > 0) return this.delay(job, token, slowed + Math.floor(Math.random() * 50), state);
      const callId = newCallId();
      const seq = state.seq;
      // A first delivery's first call cannot follow another delivery's: only later ones look.
      const fenced = rt.options.accounting && (seq > 0 || job.attemptsMade > 0 || job.stalledCounter > 0);
      if (fenced) {
        const stored = await this.guard(job, token, await rt.fence.before(jobId, ownCalls), ownCalls);
        if (stored) return stored;
      }
      state.seq++;
      const reservedAt = Date.now();
      if (inBatch) await this.batch.prepare(job, spec, model, callId, chatRequest(model, est));
      if (rt.options.accounting) {
        const reservation = await this.reserve(job, spec, model, est, callId, seq, state);
        if (!reservation.ok) {
          if (inBatch) await this.batch.drop(callId);
          const left = Math.max(0, reservation.limitMicros - reservation.spentMicros - reservation.reservedMicros);
          state.lastRefusal = reservation;
          // Route again within the room now known; a cheaper model may fit where this one did not.
          if (state.roomMicros === undefined || left < state.roomMicros) {
            state.roomMicros = left;
            continue;
          }
          return this.waitForBudget(job, token, spec, reservation, decision, state);
        }
        try {
          if (fenced) {
            const verdict = await rt.fence.after(jobId, callId);
            if (verdict.kind !== 'clear') {
              if (inBatch) await this.batch.drop(callId);
              await rt.ledger.release(callId, 'another delivery of the job reserved its call first');
              const stored = await this.guard(job, token, verdict, ownCalls);
              if (stored) return stored;
              continue; // the earlier call was stale and is closed now: reserve afresh
            }
          }
          if (job.data.waitingForBudget !== undefined) await this.stopWaiting(job);
          ownCalls.push(callId);
        } catch (error) {
          if (inBatch) await this.batch.drop(callId).catch(() => {});
          await this.releaseUncalled(job, callId, error);
          throw error;
        }
      }
      // A batch call is collected and sent by the coordinator, outside the synchronous rate
      // limiter; the attempt (its calls, seq, failed models) is kept in the job's data across the wait.
      if (inBatch) {
        await job.updateData({ ...job.data, attempt: progressOf(job, state) });
        return this.batch.wait(job, token, spec, model, callId, decision);
      }
      // The rate-limit slot is taken last, just before the call: a slot taken before the
      // reservation's round trip could reach the provider in its next window, over its limit.
      // Refused callers are paced at the rate of the tokens calls are expected to use, not their maximum.
      const admission = await rt.limiter.acquire(model.id, est.maxInputTokens + est.maxOutputTokens, est.inputTokens + est.expectedOutputTokens).catch(async (error: unknown) => {
        if (rt.options.accounting) await this.releaseUncalled(job, callId, error);
        throw error;
      });
      rt.metrics?.limiterWaited(model.provider, admission.ok ? 0 : admission.retryInMs / 1000);
      if (!admission.ok) {
        if (rt.options.accounting) await rt.ledger.release(callId, 'no rate-limit slot at the provider in this window');
        return this.delay(job, token, admission.retryInMs, state);
      }

      let response: ChatResponse;
      const callStarted = performance.now();
      try {
        response = await rt.providers.get(model.provider)!.chat({
          ...chatRequest(model, est),
          ...(rt.options.callTimeoutMs === undefined ? {} : { timeoutMs: rt.options.callTimeoutMs }),
        });
      } catch (error) {
        rt.metrics?.callFinished({ provider: model.provider, model: model.id, mode: 'sync', outcome: callOutcome(error), seconds: (performance.now() - callStarted) / 1000 });
        const charged = await rt.pending.keep({ jobId, callId, costMicros: est.maxCostMicros, reservedAt }, () => this.afterFailedCall(callId, error, est));
        if (charged !== undefined) {
          state.calls++;
          state.costMicros += charged;
        }
        const next = await this.handleCallError(job, token, error, model, state);
        if (next === 'reroute') continue;
        throw next;
      }

      rt.metrics?.callFinished({ provider: model.provider, model: model.id, mode: 'sync', outcome: 'ok', seconds: (performance.now() - callStarted) / 1000 });
      const cost = costMicros(response.usage, model);
      state.calls++;
      state.costMicros += cost;
      if (rt.options.accounting) {
        // Kept pending in this process while Postgres is unreachable: the call is never made again.
        const settled = await rt.pending.keep({ jobId, callId, costMicros: cost, reservedAt }, () =>
          rt.ledger.settle(callId, { costMicros: cost, usage: response.usage, usageEstimated: response.usageEstimated }),
        );
        if (settled.overrun && !settled.duplicate && est.rawInputTokens > 0) {
          await raiseSafeBound(rt.db, model.id, response.usage.inputTokens / est.rawInputTokens);
        }
      }
      // Cut at the limit after thinking: the allowance was too small for this (model, effort).
      const thought = response.usage.reasoningTokens ?? 0;
      if (response.finishReason === 'length' && thought > 0 && est.reasoning && est.thinkingAllowanceTokens > 0) {
        await raiseThinkingAllowance(rt.db, model.id, allowanceEffort(est.reasoning), raisedThinkingAllowance(est.thinkingAllowanceTokens, thought));
      }
      if (!response.usageEstimated) {
        rt.observations.record({ modelId: model.id, estimatedTokens: est.rawInputTokens, reportedTokens: response.usage.inputTokens });
      }
      const used = response.usage.inputTokens + response.usage.outputTokens;
      void rt.limiter.refundTokens(model.id, est.maxInputTokens + est.maxOutputTokens - used, admission);

      const done = await this.checkAndPersist(job, spec, model, response, state, decision, { callId, costMicros: cost, reservedAt });
      if (done) return done;
    }
    throw await this.fail(job, spec, state, `no route settled after ${MAX_ROUTING_STEPS} routing steps`);
  }

  /**
   * Checks an answer and persists the job's result; undefined when the job goes on to the next
   * cheapest qualified model (a refusal, or an answer that failed its check, recorded in `state`).
   */
  private async checkAndPersist(
    job: IntakeJob,
    spec: JobSpec,
    model: CatalogModel,
    response: ChatResponse,
    state: AttemptState,
    decision: Route,
    call: { callId: string; costMicros: number; reservedAt: number },
  ): Promise<IntakeJobResult | undefined> {
    const { rt } = this;
    const jobId = job.id!;
    // A refusal (or an answer the vendor's filter blocked) is the vendor's safety classifier, not
    // the model's quality: charged as answered, and the next cheapest qualified model is tried.
    if (response.finishReason === 'refusal' || response.finishReason === 'content-filter') {
      state.skip.set(model.id, REFUSED_REASON);
      state.refused.add(model.id);
      rt.log.info({ jobId, model: model.id }, 'the vendor refused to answer; trying the next cheapest qualified model');
      if (state.calls >= rt.options.maxCallsPerAttempt) throw await this.endAttempt(job, spec, state, `gave up after ${state.calls} calls`);
      return undefined;
    }
    const check = JOB_KINDS[spec.kind].checkOutput(spec.payload, response);
    if (!check.ok) {
      state.failed.push({ modelId: model.id, reason: check.reason });
      rt.log.info({ jobId, model: model.id, reason: check.reason }, 'output check failed; trying the next cheapest qualified model');
      if (state.calls >= rt.options.maxCallsPerAttempt) throw await this.endAttempt(job, spec, state, `gave up after ${state.calls} calls`);
      return undefined;
    }

    // With accounting, the stored cost and calls are the job's ledger rows (every delivery,
    // attempt and provider batch included), summed in the transaction that stores the result.
    const charged = await rt.pending.keep({ jobId, ...call }, () =>
      rt.results.complete({
        jobId,
        spec,
        parentId: job.data.parentId,
        model: model.id,
        outputText: check.output.text,
        outputJson: check.output.object,
        costMicros: state.costMicros,
        calls: state.calls,
        chargedByLedger: rt.options.accounting,
        route: decision,
      }),
    );
    await this.batch.markLateIfPast(jobId, spec).catch((error: unknown) => rt.log.warn({ jobId, err: String(error) }, 'flagging a late job failed'));
    return { text: check.output.text, model: model.id, costMicros: charged.costMicros };
  }

  /** Reserves the call's maximum cost on every budget of the job, all or nothing. */
  private async reserve(job: IntakeJob, spec: JobSpec, model: CatalogModel, est: Estimate, callId: string, seq: number, state: AttemptState) {
    try {
      return await this.rt.ledger.reserve({
        callId,
        jobId: job.id!,
        attempt: job.attemptsMade,
        seq,
        kind: spec.kind,
        model: model.id,
        provider: model.provider,
        budgetNames: spec.budgets,
        maxCostMicros: est.maxCostMicros,
        estInputTokens: est.inputTokens,
        estOutputTokens: est.expectedOutputTokens,
        estCostMicros: est.expectedCostMicros,
      });
    } catch (error) {
      // A job naming a budget that does not exist (deleted since enqueue), or a model with no
      // usable price, can never be reserved for: fail it instead of retrying.
      if (error instanceof FrugalError && (error.code === 'BUDGET_UNKNOWN' || error.code === 'CALL_UNPRICED')) {
        throw await this.fail(job, spec, state, error.message);
      }
      // The reservation may have committed with its answer lost.
      if (isTransient(error)) await this.releaseUncalled(job, callId, error);
      throw error;
    }
  }

  /** What to do when the router found no model: wait (budget, provider health), chunk, or fail. */
  private async noModel(job: IntakeJob, token: string | undefined, spec: JobSpec, request: RouteRequest, state: AttemptState): Promise<IntakeJobResult> {
    const decision = state.route!;
    // The router only sees a budget limit after a refusal taught it the room left.
    if (decision.blockedByBudget && state.lastRefusal) return this.waitForBudget(job, token, spec, state.lastRefusal, decision, state);
    // Would a model qualify if every provider were healthy? Then wait for the soonest to recover.
    const healthy = route({ ...request, providerUnavailable: (p) => this.rt.providers.unavailableReason(p) });
    if (healthy.modelId !== undefined) {
      const provider = this.rt.catalog.require(healthy.modelId).provider;
      return this.delay(job, token, Math.max(this.rt.health.waitMs(provider), 50), state);
    }
    const payload = spec.payload as SummarizePayload;
    if (spec.kind === 'summarize' && state.failed.length === 0 && payload.part?.role !== 'combine') {
      const limit = this.chunkLimit(spec);
      if (limit > 0 && decision.candidates.some((c) => c.lost?.startsWith('needs '))) {
        return this.splitIntoChunks(job, token, spec, splitDocument(payload.text, limit, 'cl100k_base'), 0);
      }
    }
    if (state.failed.length > 0) throw await this.endAttempt(job, spec, state, 'no qualified model is left to try');
    const reasons = decision.candidates.map((c) => `${c.modelId}: ${c.lost}`).join('; ');
    const what = state.refused.size > 0 ? 'every qualified model refused to answer' : 'no model can take this job';
    throw await this.fail(job, spec, state, `${what} (${reasons})`);
  }

  /**
   * Ends an attempt that cannot go on: with an answer that failed its check among its calls, a
   * later attempt may succeed, so BullMQ retries the job (starting afresh); with only refusals,
   * the job fails with the reasons.
   */
  private async endAttempt(job: IntakeJob, spec: JobSpec, state: AttemptState, why: string): Promise<Error> {
    const tried = [
      ...state.failed.map((f) => `${f.modelId}: its answer failed the output check (${f.reason})`),
      ...[...state.refused].map((m) => `${m}: ${REFUSED_REASON}`),
    ].join('; ');
    if (state.failed.length === 0) return this.fail(job, spec, state, `every model tried refused to answer; ${why} (${tried})`);
    this.rt.log.info({ jobId: job.id, attempt: job.attemptsMade + 1 }, 'attempt ended after failed output checks');
    return new AttemptExhaustedError(`attempt ${job.attemptsMade + 1}: ${why} (${tried})`);
  }

  /** The job is neither called nor failed: it waits until room could appear on the blocking budget. */
  private async waitForBudget(job: IntakeJob, token: string | undefined, spec: JobSpec, refusal: ReserveRefused, decision: Route, state: AttemptState): Promise<never> {
    const now = Date.now();
    // Room held by provider batches comes back only when a batch settles (which wakes the job).
    if (refusal.roomOnSettle && !(this.rt.batches && (await this.batch.roomHeldByBatches(refusal)))) {
      return this.delay(job, token, SHORT_BUDGET_WAIT_MS + Math.floor(Math.random() * SHORT_BUDGET_WAIT_MS), state);
    }
    const until = refusal.retryAt ?? new Date(now + TOTAL_BUDGET_RECHECK_MS);
    await this.rt.records.markWaiting(job.id!, spec, refusal.blockingBudget, until, job.data.parentId, decision);
    await job.updateData({ ...job.data, waitingForBudget: refusal.blockingBudget, attempt: progressOf(job, state) });
    this.rt.log.info({ jobId: job.id, budget: refusal.blockingBudget, until }, 'waiting for budget');
    // Refusals come before spending reaches 100 %, so that threshold may never fire: the first
    // job made to wait in a period records an "exhausted" alert instead (once; later ones are no-ops).
    await this.rt.ledger.recordExhausted(refusal.blockingBudget).catch((error: unknown) => this.rt.log.warn({ err: String(error) }, 'recording the exhausted alert failed'));
    return this.delay(job, token, Math.max(until.getTime() - now, 1));
  }

  private async stopWaiting(job: IntakeJob): Promise<void> {
    const { waitingForBudget: _, ...data } = job.data;
    await job.updateData(data);
    await this.rt.records.stopWaiting(job.id!);
  }

  /**
   * Acts on the fence's verdict: completes from another delivery's stored result (returned),
   * waits while its call is out, closes its calls as spent once they are stale, or lets the job
   * go on (undefined).
   */
  private async guard(job: IntakeJob, token: string | undefined, verdict: FenceVerdict, ownCalls: readonly string[]): Promise<IntakeJobResult | undefined> {
    const { rt } = this;
    if (verdict.kind === 'clear') return undefined;
    if (verdict.kind === 'stored') {
      const stored = await rt.results.find(job.id!);
      if (stored) {
        rt.log.info({ jobId: job.id }, 'another delivery stored the result: completing without a call');
        return { text: stored.outputText, model: stored.model, costMicros: stored.costMicros };
      }
      return undefined;
    }
    if (verdict.kind === 'held') {
      rt.log.info(
        { jobId: job.id, callId: verdict.holder.callId, heldBy: verdict.holder.workerId, ageMs: verdict.holder.ageMs, waitMs: verdict.waitMs },
        verdict.reason === 'open' ? 'another delivery of the job has a call out: waiting for it' : 'another delivery of the job just settled a call: waiting for its result',
      );
      return this.delay(job, token, verdict.waitMs);
    }
    rt.log.warn({ jobId: job.id, callIds: verdict.holders.map((h) => h.callId) }, 'the job has stale calls of a dead delivery: closing them as spent');
    await rt.ledger.closeStale(rt.fence.staleMs);
    return this.guard(job, token, await rt.fence.before(job.id!, ownCalls), ownCalls);
  }

  /**
   * Gives back the reservation of a call that was never made because an error came between the
   * reservation and the call; otherwise the job's next delivery would wait for it (the fence)
   * until it turned stale. Kept pending while Postgres is unreachable.
   */
  private async releaseUncalled(job: IntakeJob, callId: string, error: unknown): Promise<void> {
    if (error instanceof DelayedError) return; // every wait releases before delaying
    await this.rt.pending
      .keep({ jobId: job.id!, callId, costMicros: 0, reservedAt: Date.now() }, () => this.rt.ledger.release(callId, `no call was made: ${error instanceof Error ? error.message : String(error)}`))
      .catch((e: unknown) => {
        if (!(e instanceof UnknownCallError)) this.rt.log.warn({ jobId: job.id, callId, err: String(e) }, 'releasing an unused reservation failed');
      });
  }

  /** Delays the job without burning an attempt; with `state`, the attempt continues from it afterwards. */
  private async delay(job: IntakeJob, token: string | undefined, ms: number, state?: AttemptState): Promise<never> {
    if (state) await job.updateData({ ...job.data, attempt: progressOf(job, state) });
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }

  /**
   * Gives back the reservation of a call that certainly did not run, or keeps it as spent when it
   * may have. Returns what the call was charged (undefined when nothing was).
   */
  private async afterFailedCall(callId: string, error: unknown, est: Estimate): Promise<number | undefined> {
    if (!this.rt.options.accounting) return undefined;
    if (error instanceof ProviderError && error.certainlyNotBilled) {
      await this.rt.ledger.release(callId, error.code);
      return undefined;
    }
    // We cannot know what the provider billed: count the whole reservation, flagged as estimated.
    await this.rt.ledger.settle(callId, {
      costMicros: est.maxCostMicros,
      usage: { inputTokens: est.maxInputTokens, cachedInputTokens: 0, outputTokens: est.maxOutputTokens },
      usageEstimated: true,
    });
    return est.maxCostMicros;
  }

  /** Decides what a failed call means for the job: route again within the attempt, or an error to throw. */
  private async handleCallError(job: IntakeJob, token: string | undefined, error: unknown, model: CatalogModel, state: AttemptState): Promise<'reroute' | Error> {
    const { rt } = this;
    if (error instanceof RateLimitedError) {
      const wait = error.retryAfterMs ?? 1_000;
      await rt.health.slowDown(model.provider, wait, `429 from ${model.id}`);
      return this.delay(job, token, wait, state);
    }
    if (error instanceof ContextTooLongError) {
      state.skip.set(model.id, `the provider refused the prompt as longer than its window${error.maxInputTokens ? ` (${error.maxInputTokens})` : ''}`);
      return 'reroute';
    }
    if (error instanceof AuthenticationError) {
      rt.log.error({ provider: model.provider, status: error.status }, `${model.provider} rejected its API key: provider disabled; ${error.hint ?? ''}`);
      await rt.health.disable(model.provider, 'authentication failed');
      return 'reroute';
    }
    if (error instanceof BadRequestError) {
      return this.fail(job, job.data.spec, state, `${model.id} refused the request: ${error.message}`);
    }
    if (error instanceof ProviderError && error.retryable) {
      const cooled = await rt.health.recordFailure(model.provider, error.code);
      rt.log.warn({ jobId: job.id, model: model.id, code: error.code, cooled }, 'provider call failed');
      if (cooled) return 'reroute';
      return error;
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  /** Records a job that cannot succeed and returns the error that fails it without retries. */
  private async fail(job: IntakeJob, spec: JobSpec, state: AttemptState, message: string): Promise<UnrecoverableError> {
    await this.rt.records.markFailed(job.id!, spec, job.data.parentId, message, state.route);
    return new UnrecoverableError(message);
  }

  /** The chunk size for a long document of this job (cl100k_base tokens). */
  private chunkLimit(spec: JobSpec): number {
    return chunkTokensFor(this.rt.catalog.list(), this.rt.calibration, {
      kind: spec.kind,
      tier: spec.tier,
      private: spec.private,
      outputTokens: outputCap(estimateRequestFor(spec)) ?? 4_096,
      chunkTokens: this.rt.options.chunkTokens,
      providerUsable: (p) => this.rt.providers.unavailableReason(p) === undefined,
    });
  }

  /** Turns the job into the parent of chunk jobs at `level`, and waits for them. */
  private async splitIntoChunks(job: IntakeJob, token: string | undefined, spec: JobSpec, chunks: string[], level: number): Promise<IntakeJobResult> {
    const parentSpec = level === 0 ? combineSpec(spec, chunks.length) : spec;
    const children = chunkJobs(job.id!, spec, chunks, level);
    await this.rt.queue.addBulk(
      children.map((c) => ({ ...c, opts: { ...c.opts, parent: { id: job.id!, queue: job.queueQualifiedName }, failParentOnFailure: true } })),
    );
    // A parent combining summaries is a new piece of work: nothing of this attempt carries over.
    const { attempt: _attempt, ...data } = job.data;
    await job.updateData({ ...data, spec: parentSpec, level });
    this.rt.log.info({ jobId: job.id, chunks: chunks.length, level }, 'long document: summarizing in chunks');
    if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
    // Every child finished before we got here: combine now.
    return this.process(job, token);
  }

  /**
   * The summaries of the children of the current reduce level, joined; when together they are
   * still too long for one call, another level of children reduces them first.
   */
  private async combineChildren(job: IntakeJob, spec: JobSpec): Promise<{ text: string } | { groups: string[]; level: number }> {
    const level = job.data.level ?? 0;
    const values = await job.getChildrenValues<IntakeJobResult>();
    const summaries = Object.entries(values)
      .map(([key, value]) => ({ child: parseChildJobId(key.slice(key.lastIndexOf(':') + 1)), value }))
      .filter((c) => c.child?.level === level)
      .sort((a, b) => a.child!.index - b.child!.index)
      .map((c) => c.value.text);
    const joined = summaries.join('\n\n');
    const limit = this.chunkLimit(spec);
    if (limit <= 0 || countTokens(joined, 'cl100k_base') <= limit) return { text: joined };
    const groups = splitDocument(joined, limit, 'cl100k_base');
    // Reducing must shrink the text; a single group that still does not fit cannot be helped.
    if (groups.length < 2) return { text: joined };
    return { groups, level: level + 1 };
  }
}

/** A failed call's label for metrics: its provider error code (`rate_limited`, `timeout`…) or `error`. */
function callOutcome(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('PROVIDER_') ? code.slice('PROVIDER_'.length).toLowerCase() : 'error';
}
