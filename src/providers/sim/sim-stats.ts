import type { Usage } from '../../pricing/types.js';
import type { SimProvider } from './sim-config.js';

export interface SimCounters {
  /** Requests received (every answer, plus the ones left hanging). */
  requests: number;
  /** Answers by HTTP status (`"200"`, `"429"`, …). */
  byStatus: Record<string, number>;
  /** Requests left without an answer (the timeout knob). */
  timeouts: number;
  /** Tokens of successful answers, as their usage reported them (input includes cached input). */
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  /** The part of `outputTokens` spent thinking (Claude adaptive thinking, Gemini thoughts). */
  thinkingTokens: number;
}

export interface SimModelStats extends SimCounters {
  /** The protocol the model was first asked through. */
  provider: SimProvider;
  /** Usage of the model's latest successful answer. */
  lastUsage: Usage | null;
}

/** What `GET /_sim/stats` returns: totals and the same counters per provider model id. */
export interface SimStats extends SimCounters {
  startedAt: string;
  models: Record<string, SimModelStats>;
}

const emptyCounters = (): SimCounters => ({ requests: 0, byStatus: {}, timeouts: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, thinkingTokens: 0 });

/** The simulator's counters. */
export class SimStatsRecorder {
  private totals = emptyCounters();
  private models = new Map<string, SimModelStats>();
  private startedAt = new Date();

  private model(model: string, provider: SimProvider): SimModelStats {
    let stats = this.models.get(model);
    if (!stats) {
      stats = { ...emptyCounters(), provider, lastUsage: null };
      this.models.set(model, stats);
    }
    return stats;
  }

  answered(provider: SimProvider, model: string, status: number, usage?: Usage): void {
    const key = String(status);
    for (const counters of [this.totals, this.model(model, provider)]) {
      counters.requests++;
      counters.byStatus[key] = (counters.byStatus[key] ?? 0) + 1;
      if (usage) {
        counters.inputTokens += usage.inputTokens;
        counters.cachedInputTokens += usage.cachedInputTokens;
        counters.outputTokens += usage.outputTokens;
        counters.thinkingTokens += usage.reasoningTokens ?? 0;
      }
    }
    if (usage) this.model(model, provider).lastUsage = { ...usage };
  }

  leftHanging(provider: SimProvider, model: string): void {
    for (const counters of [this.totals, this.model(model, provider)]) {
      counters.requests++;
      counters.timeouts++;
    }
  }

  snapshot(): SimStats {
    const models: Record<string, SimModelStats> = {};
    for (const [id, stats] of this.models) models[id] = structuredClone(stats);
    return { startedAt: this.startedAt.toISOString(), ...structuredClone(this.totals), models };
  }

  reset(): void {
    this.totals = emptyCounters();
    this.models.clear();
    this.startedAt = new Date();
  }
}
