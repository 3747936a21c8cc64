import type pg from 'pg';
import { log as defaultLog, type Logger } from '../log.js';
import { formatAlertText } from './format-alert-text.js';
import { postSlackMessage } from './post-slack-message.js';
import type { AlertKind, Period } from './types.js';

export interface AlertDelivererOptions {
  /** Slack-compatible webhook (config.alertWebhook). Without one, alerts are only logged and marked delivered. */
  webhookUrl?: string;
  /** Attempts before an alert is marked failed. Default 8. */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time, ±20% jitter. Default 2,000 ms. */
  baseDelayMs?: number;
  /** Longest delay between attempts. Default 10 minutes. */
  maxDelayMs?: number;
  /** Timeout of one POST. Default 10,000 ms. */
  timeoutMs?: number;
  /** How often `start()` looks for pending alerts recorded by any process. Default 30,000 ms. */
  pollIntervalMs?: number;
  /** How long a claimed alert is hidden from other processes while it is being posted. Default 60,000 ms. */
  leaseMs?: number;
  /** Alerts claimed per pass. Default 20. */
  batchSize?: number;
  logger?: Logger;
}

export interface DeliveryPassResult {
  delivered: number;
  /** Failed this time, to be retried later. */
  retrying: number;
  /** Gave up after maxAttempts. */
  failed: number;
}

/**
 * Delivers recorded budget alerts: POSTs each to the webhook, retrying with backoff;
 * the delivery state (pending, delivered, failed; attempts; last error without the URL) lives on
 * the alert row. Pending alerts are claimed with a lease (`for update skip locked`), so several
 * processes can run delivery passes, and an alert whose process died mid-delivery is picked up by
 * the next pass once its lease ends. Delivery is at least once.
 */
export class AlertDeliverer {
  private readonly options: Required<Omit<AlertDelivererOptions, 'webhookUrl' | 'logger'>>;
  private readonly webhookUrl: string | undefined;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private passing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pool: pg.Pool,
    options: AlertDelivererOptions = {},
  ) {
    this.webhookUrl = options.webhookUrl;
    this.logger = options.logger ?? defaultLog;
    this.options = {
      maxAttempts: options.maxAttempts ?? 8,
      baseDelayMs: options.baseDelayMs ?? 2_000,
      maxDelayMs: options.maxDelayMs ?? 600_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      pollIntervalMs: options.pollIntervalMs ?? 30_000,
      leaseMs: options.leaseMs ?? 60_000,
      batchSize: options.batchSize ?? 20,
    };
  }

  /** One pass: every pending alert that is due is claimed and delivered once. */
  async deliverPending(): Promise<DeliveryPassResult> {
    const result: DeliveryPassResult = { delivered: 0, retrying: 0, failed: 0 };
    for (;;) {
      const claimed = await this.claim();
      if (claimed.length === 0) return result;
      for (const alert of claimed) {
        const outcome = await this.deliver(alert);
        result[outcome] += 1;
      }
      if (claimed.length < this.options.batchSize) return result;
    }
  }

  /** Runs delivery passes in the background: now, when kicked, when a retry is due, and every pollIntervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Asks for a pass soon (a settlement just recorded alerts). */
  kick(): void {
    if (!this.running) return;
    if (this.passing) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.passing;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.passing = this.loopOnce().finally(() => {
        this.passing = undefined;
      });
    }, ms);
    this.timer.unref();
  }

  private async loopOnce(): Promise<void> {
    let next = this.options.pollIntervalMs;
    try {
      this.again = false;
      await this.deliverPending();
      const due = await this.pool.query<{ ms: number | null }>(
        `select (extract(epoch from min(next_attempt_at) - now()) * 1000)::float8 as ms from budget_alerts where delivery = 'pending'`,
      );
      const ms = due.rows[0]?.ms;
      if (ms !== null && ms !== undefined) next = Math.min(next, Math.max(0, Math.ceil(ms)));
    } catch (error) {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'alert delivery pass failed; will try again');
    }
    this.schedule(this.again ? 0 : next);
  }

  private async claim(): Promise<ClaimedAlert[]> {
    const { rows } = await this.pool.query<ClaimedRow>(
      `update budget_alerts a set next_attempt_at = now() + $2 * interval '1 millisecond'
       from budgets b
       where b.id = a.budget_id and a.id in (
         select id from budget_alerts where delivery = 'pending' and next_attempt_at <= now()
         order by id limit $1 for update skip locked)
       returning a.id, a.kind, a.budget_name, a.threshold, a.spent_micros, a.limit_micros, a.hard, a.period_start, a.attempts, b.period, b.tz,
         -- An exhausted alert says how many jobs wait when it is sent, not just the first one refused.
         case when a.kind = 'exhausted' then (select count(*)::int from jobs j where j.status = 'waiting_budget' and j.waiting_budget = a.budget_name) end as waiting_jobs`,
      [this.options.batchSize, this.options.leaseMs],
    );
    return rows
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        ...(r.waiting_jobs === null ? {} : { waitingJobs: r.waiting_jobs }),
        budgetName: r.budget_name,
        threshold: r.threshold,
        spentMicros: Number(r.spent_micros),
        limitMicros: Number(r.limit_micros),
        hard: r.hard,
        periodStart: r.period_start,
        attempts: r.attempts,
        period: r.period,
        tz: r.tz,
      }))
      .sort((a, b) => a.id - b.id);
  }

  private async deliver(alert: ClaimedAlert): Promise<keyof DeliveryPassResult> {
    // The log line was written when the crossing was recorded (BudgetLedger); this is the webhook.
    const text = formatAlertText(alert);
    if (!this.webhookUrl) {
      await this.pool.query(`update budget_alerts set delivery = 'delivered', delivered_at = now(), last_error = null where id = $1`, [alert.id]);
      return 'delivered';
    }
    try {
      await postSlackMessage(this.webhookUrl, text, { timeoutMs: this.options.timeoutMs });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const attempts = alert.attempts + 1;
      if (attempts >= this.options.maxAttempts) {
        await this.pool.query(`update budget_alerts set delivery = 'failed', attempts = $2, last_error = $3 where id = $1`, [alert.id, attempts, message]);
        this.logger.error({ alertId: alert.id, attempts, error: message }, 'budget alert could not be delivered to the webhook; giving up');
        return 'failed';
      }
      const delayMs = this.backoff(attempts);
      await this.pool.query(
        `update budget_alerts set attempts = $2, last_error = $3, next_attempt_at = now() + $4 * interval '1 millisecond' where id = $1`,
        [alert.id, attempts, message, delayMs],
      );
      this.logger.warn({ alertId: alert.id, attempts, retryInMs: delayMs, error: message }, 'budget alert webhook failed; will retry');
      return 'retrying';
    }
    await this.pool.query(`update budget_alerts set delivery = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = null where id = $1`, [alert.id]);
    this.logger.info({ alertId: alert.id, kind: alert.kind, budget: alert.budgetName, threshold: alert.threshold, attempts: alert.attempts + 1 }, 'budget alert delivered to the webhook');
    return 'delivered';
  }

  private backoff(attempts: number): number {
    const raw = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempts - 1));
    return Math.round(raw * (0.8 + Math.random() * 0.4));
  }
}

interface ClaimedAlert {
  id: number;
  kind: AlertKind;
  waitingJobs?: number;
  budgetName: string;
  threshold: number;
  spentMicros: number;
  limitMicros: number;
  hard: boolean;
  periodStart: Date;
  attempts: number;
  period: Period;
  tz: string;
}

interface ClaimedRow {
  id: number;
  kind: AlertKind;
  waiting_jobs: number | null;
  budget_name: string;
  threshold: number;
  spent_micros: string;
  limit_micros: string;
  hard: boolean;
  period_start: Date;
  attempts: number;
  period: Period;
  tz: string;
}
