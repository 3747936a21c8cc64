import type { Usage } from '../pricing/types.js';

/** How a budget's counters reset: on the calendar in the budget's time zone, or never (`total`). */
export const PERIODS = ['day', 'week', 'month', 'total'] as const;
export type Period = (typeof PERIODS)[number];

/** `named`: jobs that name the budget; `global`: every job; `kind:<kind>`: every job of that kind. */
export type BudgetScope = 'named' | 'global' | `kind:${string}`;

export const DEFAULT_THRESHOLDS: readonly number[] = [50, 80, 100];

export interface BudgetDefinition {
  id: number;
  name: string;
  limitMicros: number;
  period: Period;
  /** IANA time zone in which day, week (from Monday) and month periods begin. */
  tz: string;
  /** Hard budgets block reservations that do not fit; soft ones are charged and alert only. */
  hard: boolean;
  /** Alert thresholds, percent of the limit, ascending. */
  thresholds: number[];
  scope: BudgetScope;
  createdAt: Date;
  updatedAt: Date;
}

/** What `budget set` takes: every field but the name may be left out when the budget exists. */
export interface BudgetInput {
  name: string;
  limitMicros?: number;
  period?: Period;
  tz?: string;
  hard?: boolean;
  thresholds?: number[];
  scope?: BudgetScope;
}

/** A budget with its counters in the period containing a given instant. */
export interface BudgetStatus extends BudgetDefinition {
  periodStart: Date;
  /** Null for `total` budgets. */
  periodEnd: Date | null;
  spentMicros: number;
  reservedMicros: number;
  /** `limit - spent - reserved`, never below zero. */
  remainingMicros: number;
  overrunCount: number;
  overrunMicros: number;
  refusedCount: number;
  /**
   * A hard budget whose spending reached its limit, or that since its last change refused a
   * reservation no settlement could make room for: jobs charged to it wait for the next period.
   */
  exhausted: boolean;
}

/**
 * Why a call was made: `job` (a job's own call, the default), `eval` (a candidate's answer in an
 * eval) or `judge` (a pairwise judgment in an eval). Eval calls never charge `kind:` budgets and
 * are left out of reports' job figures and of the results = ledger invariant.
 */
export const CALL_PURPOSES = ['job', 'eval', 'judge'] as const;
export type CallPurpose = (typeof CALL_PURPOSES)[number];

/** What a worker asks before a provider call. */
export interface ReserveRequest {
  /** UUID of this provider call; a retry, a cascade step and a redelivery each have their own. */
  callId: string;
  jobId: string;
  /** BullMQ attempt of the job. Default 0. */
  attempt?: number;
  /** Order of the call within its attempt. Default 0. */
  seq?: number;
  kind: string;
  /** Default `job`. `eval` and `judge` calls are charged to named and global budgets only. */
  purpose?: CallPurpose;
  model: string;
  provider: string;
  /** Budgets the job names; `global` and `kind:<kind>` budgets apply without being named. */
  budgetNames?: readonly string[];
  /**
   * The call's maximum cost: the pricing module's safe bound on input plus
   * `min(job cap, model max output)`. Must be a non-negative integer: an unpriced model has none.
   */
  maxCostMicros: number;
  estInputTokens?: number;
  estOutputTokens?: number;
  estCostMicros?: number;
}

/** A budget period a reservation was taken on. */
export interface ChargedBudget {
  budgetId: number;
  name: string;
  hard: boolean;
  limitMicros: number;
  periodStart: Date;
  periodEnd: Date | null;
}

export interface ReserveAccepted {
  ok: true;
  callId: string;
  reservedMicros: number;
  budgets: ChargedBudget[];
  /** The call id already held this reservation (a retried request); nothing new was reserved. */
  duplicate: boolean;
}

export interface ReserveRefused {
  ok: false;
  callId: string;
  /**
   * `no_room`: the budget lacks room now; `exceeds_limit`: the call's maximum cost is larger than
   * the budget's whole limit and can never fit until the limit is raised.
   */
  reason: 'no_room' | 'exceeds_limit';
  /** Name of the hard budget that refused (the one whose room appears last). */
  blockingBudget: string;
  /**
   * The blocking budget's next period start: the earliest time room could appear without a
   * settlement or a raised limit. Null for `total` budgets and for `exceeds_limit`.
   */
  retryAt: Date | null;
  /**
   * Open reservations hold the missing room: it may come back as soon as they settle, long
   * before `retryAt`.
   */
  roomOnSettle: boolean;
  neededMicros: number;
  limitMicros: number;
  spentMicros: number;
  reservedMicros: number;
}

export type ReserveResult = ReserveAccepted | ReserveRefused;

export interface SettleInput {
  /** Actual cost of the call from the provider's reported usage, in micro-dollars. */
  costMicros: number;
  usage: Usage;
  /** The provider reported no usable usage; the cost was estimated. Default false. */
  usageEstimated?: boolean;
}

export type LedgerStatus = 'reserved' | 'settled' | 'released' | 'closed_as_spent';

export interface SettleResult {
  callId: string;
  status: LedgerStatus;
  /** The call was already settled: this settlement changed nothing. */
  duplicate: boolean;
  /**
   * The actual cost exceeded the reservation (recorded as is, flagged and counted). When
   * `overrun && !duplicate`, the worker raises the model's safe bound.
   */
  overrun: boolean;
  reservedMicros: number;
  costMicros: number;
  model: string;
  provider: string;
  /** The call had been closed as spent or released before: this settlement corrected what it counts. */
  corrected?: true;
}

export interface ReleaseResult {
  callId: string;
  /** False when the call was already settled or released: nothing changed. */
  released: boolean;
  status: LedgerStatus;
  /** The call had been closed as spent: releasing it took back what it counted. */
  corrected?: true;
}

export interface CloseStaleResult {
  /** Reservations closed as spent at their reserved amount. */
  closed: number;
  closedMicros: number;
  callIds: string[];
}

export type AlertDelivery = 'pending' | 'delivered' | 'failed';

/**
 * `threshold`: spending crossed a threshold of the limit. `exhausted`: a hard budget refused a
 * job that now waits for it (its threshold is 0).
 */
export type AlertKind = 'threshold' | 'exhausted';

export interface BudgetAlert {
  id: number;
  kind: AlertKind;
  budgetId: number;
  budgetName: string;
  periodStart: Date;
  threshold: number;
  spentMicros: number;
  limitMicros: number;
  hard: boolean;
  createdAt: Date;
  delivery: AlertDelivery;
  attempts: number;
  deliveredAt: Date | null;
  lastError: string | null;
  acknowledgedAt: Date | null;
}

/** A threshold crossing just recorded by a settlement, or an exhaustion (before any delivery). */
export interface RecordedAlert {
  id: number;
  /** Default `threshold`. */
  kind?: AlertKind;
  budgetName: string;
  threshold: number;
  spentMicros: number;
  limitMicros: number;
  periodStart: Date;
  hard: boolean;
}
