import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { sql } from 'drizzle-orm';
import { newCallId } from '../budget/budget-ledger.js';
import type { ReserveRefused } from '../budget/types.js';
import { FrugalError } from '../errors.js';
import { JOB_KINDS } from '../jobs/index.js';
import type { JobSpec } from '../jobs/job-spec.js';
import { splitDocument } from '../jobs/split-document.js';
import type { SummarizePayload } from '../jobs/summarize.js';
import type { CatalogModel } from '../pricing/catalog-model.js';
import { costMicros } from '../pricing/cost-micros.js';
import { estimate, expectedCostFloor, outputCap, type Estimate } from '../pricing/estimate.js';
import { raiseSafeBound } from '../pricing/record-observation.js';
import { countTokens } from '../pricing/tokenizer.js';
import type { Rating } from '../pricing/types.js';
import {
  AuthenticationError,
  BadRequestError,
  ContextTooLongError,
  ProviderError,
  RateLimitedError,
} from '../providers/errors.js';
import type { ChatResponse } from '../providers/types.js';
import { chunkJobs, combineSpec, parseChildJobId } from '../queue/long-documents.js';
import type { IntakeJobData, IntakeJobResult } from '../queue/queues.js';
import { chunkTokensFor } from '../router/chunk-size.js';
import { estimateRequestFor } from '../router/forecast.js';
import { ratingInForce, route, type Route, type RouteRequest } from '../router/route.js';
import type { WorkerRuntime } from './worker-runtime.js';

type IntakeJob = Job<IntakeJobData, IntakeJobResult>;

/** Safety stop for the routing loop of one attempt (re-routes after budget refusals, skips). */
const MAX_ROUTING_STEPS = 24;
/** How long a job waits when the missing room is held by open reservations that will settle soon. */
const SHORT_BUDGET_WAIT_MS = 1_000;
/** How long a job waits on a `total` budget before checking again (a raised limit wakes it sooner). */
const TOTAL_BUDGET_RECHECK_MS = 3_600_000;

/** What one attempt has learned so far: the models that failed and why. */
interface AttemptState {
  failed: Array<{ modelId: string; rating: Rating }>;
  skip: Map<string, string>;
  /** Room left on the job's tightest hard budget, learned from a refused reservation. */
  roomMicros: number | undefined;
  lastRefusal: ReserveRefused | undefined;
  calls: number;
  costMicros: number;
  seq: number;
  route: Route | undefined;
}

/**
 * The path of a job (DESIGN.md): validate → estimate → route → reserve → call → check → settle →
 * persist → complete. Every provider call has its own call id and ledger row; escalating to a
 * better model after a failed check is a new call in the same attempt (a cascade). Waiting — for
 * a rate limit, a cooling provider or budget — delays the job without burning an attempt.
 */
export class JobPipeline {
  constructor(private readonly rt: WorkerRuntime) {}

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
    const state: AttemptState = { failed: [], skip: new Map(), roomMicros: undefined, lastRefusal: undefined, calls: 0, costMicros: 0, seq: 0, route: undefined };

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
      const est = estimateOf(model);
      // After a 429 the provider is slowed for everyone: wait for it rather than pay more elsewhere.
      const slowed = rt.health.slowedMs(model.provider);
      if (slowed > 0) return this.delay(job, token, slowed + Math.floor(Math.random() * 50));
      const callId = newCallId();
      const seq = state.seq++;
      if (rt.options.accounting) {
        const reservation = await this.reserve(job, spec, model, est, callId, seq, state);
        if (!reservation.ok) {
          const left = Math.max(0, reservation.limitMicros - reservation.spentMicros - reservation.reservedMicros);
          state.lastRefusal = reservation;
          // Route again within the room now known; a cheaper model may fit where this one did not.
          if (state.roomMicros === undefined || left < state.roomMicros) {
            state.roomMicros = left;
            continue;
          }
          return this.waitForBudget(job, token, spec, reservation, decision);
        }
        if (job.data.waitingForBudget !== undefined) await this.stopWaiting(job);
      }
      // The rate-limit slot is taken last, just before the call: a slot taken before the
      // reservation's round trip could reach the provider in its next window, over its limit.
      const admission = await rt.limiter.acquire(model.id, est.maxInputTokens + est.maxOutputTokens);
      if (!admission.ok) {
        if (rt.options.accounting) await rt.ledger.release(callId, 'no rate-limit slot at the provider in this window');
        return this.delay(job, token, admission.retryInMs);
      }

      let response: ChatResponse;
      try {
        response = await rt.providers.get(model.provider)!.chat({
          model: model.providerModelId,
          system: prompt.system,
          messages: prompt.messages,
          maxOutputTokens: est.maxOutputTokens,
          ...(prompt.output ? { output: prompt.output } : {}),
          ...(rt.options.callTimeoutMs === undefined ? {} : { timeoutMs: rt.options.callTimeoutMs }),
        });
      } catch (error) {
        const charged = await this.afterFailedCall(callId, error, est);
        if (charged !== undefined) {
          state.calls++;
          state.costMicros += charged;
        }
        const next = await this.handleCallError(job, token, error, model, state);
        if (next === 'reroute') continue;
        throw next;
      }

      const cost = costMicros(response.usage, model);
      state.calls++;
      state.costMicros += cost;
      if (rt.options.accounting) {
        const settled = await rt.ledger.settle(callId, { costMicros: cost, usage: response.usage, usageEstimated: response.usageEstimated });
        if (settled.overrun && !settled.duplicate && est.rawInputTokens > 0) {
          await raiseSafeBound(rt.db, model.id, response.usage.inputTokens / est.rawInputTokens);
        }
      }
      if (!response.usageEstimated) {
        rt.observations.record({ modelId: model.id, estimatedTokens: est.rawInputTokens, reportedTokens: response.usage.inputTokens });
      }
      const used = response.usage.inputTokens + response.usage.outputTokens;
      void rt.limiter.refundTokens(model.id, est.maxInputTokens + est.maxOutputTokens - used, admission);

      const check = kind.checkOutput(spec.payload, response);
      if (!check.ok) {
        state.failed.push({ modelId: model.id, rating: ratingInForce(model, spec.kind, rt.ratings?.current).rating });
        rt.log.info({ jobId, model: model.id, reason: check.reason }, 'output check failed; escalating');
        if (state.calls >= rt.options.maxCallsPerAttempt) {
          throw await this.fail(job, spec, state, `output check failed on ${state.failed.map((f) => f.modelId).join(', ')} (${check.reason}); gave up after ${state.calls} calls`);
        }
        continue;
      }

      // A job delivered before may have been charged for calls of its earlier deliveries too.
      const charged = rt.options.accounting && (job.attemptsMade > 0 || job.stalledCounter > 0) ? await this.chargedInAll(jobId) : state;
      await rt.results.complete({
        jobId,
        spec,
        parentId: job.data.parentId,
        model: model.id,
        outputText: check.output.text,
        outputJson: check.output.object,
        costMicros: charged.costMicros,
        calls: charged.calls,
        route: decision,
      });
      return { text: check.output.text, model: model.id, costMicros: charged.costMicros };
    }
    throw await this.fail(job, spec, state, `no route settled after ${MAX_ROUTING_STEPS} routing steps`);
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
      throw error;
    }
  }

  /** What to do when the router found no model: wait (budget, provider health), chunk, or fail. */
  private async noModel(job: IntakeJob, token: string | undefined, spec: JobSpec, request: RouteRequest, state: AttemptState): Promise<IntakeJobResult> {
    const decision = state.route!;
    // The router only sees a budget limit after a refusal taught it the room left.
    if (decision.blockedByBudget && state.lastRefusal) return this.waitForBudget(job, token, spec, state.lastRefusal, decision);
    // Would a model qualify if every provider were healthy? Then wait for the soonest to recover.
    const healthy = route({ ...request, providerUnavailable: (p) => this.rt.providers.unavailableReason(p) });
    if (healthy.modelId !== undefined) {
      const provider = this.rt.catalog.require(healthy.modelId).provider;
      return this.delay(job, token, Math.max(this.rt.health.waitMs(provider), 50));
    }
    const payload = spec.payload as SummarizePayload;
    if (spec.kind === 'summarize' && state.failed.length === 0 && payload.part?.role !== 'combine') {
      const limit = this.chunkLimit(spec);
      if (limit > 0 && decision.candidates.some((c) => c.lost?.startsWith('needs '))) {
        return this.splitIntoChunks(job, token, spec, splitDocument(payload.text, limit, 'cl100k_base'), 0);
      }
    }
    const reasons = decision.candidates.map((c) => `${c.modelId}: ${c.lost}`).join('; ');
    const what = state.failed.length > 0 ? 'no higher-rated model is left after failed output checks' : 'no model can take this job';
    throw await this.fail(job, spec, state, `${what} (${reasons})`);
  }

  /** The job is neither called nor failed: it waits until room could appear on the blocking budget. */
  private async waitForBudget(job: IntakeJob, token: string | undefined, spec: JobSpec, refusal: ReserveRefused, decision: Route): Promise<never> {
    const now = Date.now();
    if (refusal.roomOnSettle) return this.delay(job, token, SHORT_BUDGET_WAIT_MS + Math.floor(Math.random() * SHORT_BUDGET_WAIT_MS));
    const until = refusal.retryAt ?? new Date(now + TOTAL_BUDGET_RECHECK_MS);
    await this.rt.records.markWaiting(job.id!, spec, refusal.blockingBudget, until, job.data.parentId, decision);
    await job.updateData({ ...job.data, waitingForBudget: refusal.blockingBudget });
    this.rt.log.info({ jobId: job.id, budget: refusal.blockingBudget, until }, 'waiting for budget');
    return this.delay(job, token, Math.max(until.getTime() - now, 1));
  }

  private async stopWaiting(job: IntakeJob): Promise<void> {
    const { waitingForBudget: _, ...data } = job.data;
    await job.updateData(data);
    await this.rt.records.stopWaiting(job.id!);
  }

  /** Delays the job without burning an attempt. */
  private async delay(job: IntakeJob, token: string | undefined, ms: number): Promise<never> {
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

  /**
   * What a job delivered before (a retry, or a worker that died mid-job) has been charged in all:
   * its settled calls in the ledger, this attempt's included.
   */
  private async chargedInAll(jobId: string): Promise<{ costMicros: number; calls: number }> {
    const { rows } = await this.rt.db.execute<{ cost: string | null; calls: number }>(
      sql`select sum(cost_micros) as cost, count(*)::int as calls from ledger where job_id = ${jobId} and status = 'settled'`,
    );
    return { costMicros: Number(rows[0]?.cost ?? 0), calls: rows[0]?.calls ?? 0 };
  }

  /** Decides what a failed call means for the job: route again within the attempt, or an error to throw. */
  private async handleCallError(job: IntakeJob, token: string | undefined, error: unknown, model: CatalogModel, state: AttemptState): Promise<'reroute' | Error> {
    const { rt } = this;
    if (error instanceof RateLimitedError) {
      const wait = error.retryAfterMs ?? 1_000;
      await rt.health.slowDown(model.provider, wait, `429 from ${model.id}`);
      return this.delay(job, token, wait);
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
    await job.updateData({ ...job.data, spec: parentSpec, level });
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
