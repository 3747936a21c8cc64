export interface GroupCommitOptions {
  /**
   * Longest a request waits for others to join its transaction, in milliseconds. Default 0: the
   * batch starts on the next turn of the event loop, collecting every request made in the
   * current one; under load, requests arriving while `maxInFlight` transactions run join the
   * next batch anyway, so batches grow with load without a fixed delay. A batch also starts at
   * once when `maxBatch` requests are waiting.
   */
  maxWaitMs?: number;
  /** Most requests applied in one transaction. Default 200. */
  maxBatch?: number;
  /** Transactions in flight at once, each on its own pool connection. Default 2. */
  maxInFlight?: number;
}

interface Waiting<Item, Outcome> {
  item: Item;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: collects the requests that arrive within a few milliseconds and hands them to
 * `apply` as one batch (one transaction), then answers each caller with its own outcome. While
 * `maxInFlight` batches are running, new requests wait and join the next batch, so batches grow
 * with load and a lone request is applied after at most `maxWaitMs`.
 */
export class GroupCommitter<Item, Outcome> {
  private readonly maxWaitMs: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private queue: Array<Waiting<Item, Outcome>> = [];
  private inFlight = 0;
  private timer: { cancel(): void } | undefined;
  private lingerOver = false;
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly apply: (items: Item[]) => Promise<Outcome[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 0;
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  submit(item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length === 1 && !this.lingerOver) this.timer = this.schedule(() => {
        this.timer = undefined;
        this.lingerOver = true;
        this.pump();
      });
      this.pump();
    });
  }

  /** Resolves when every submitted request has been answered. */
  async drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return;
    this.lingerOver = true;
    this.pump();
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(fire: () => void): { cancel(): void } {
    if (this.maxWaitMs <= 0) {
      const handle = setImmediate(fire);
      return { cancel: () => clearImmediate(handle) };
    }
    const handle = setTimeout(fire, this.maxWaitMs);
    return { cancel: () => clearTimeout(handle) };
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0 && (this.lingerOver || this.queue.length >= this.maxBatch)) {
      const batch = this.queue.splice(0, this.maxBatch);
      if (this.queue.length === 0) {
        this.lingerOver = false;
        this.timer?.cancel();
        this.timer = undefined;
      }
      this.inFlight += 1;
      void this.run(batch);
    }
  }

  private async run(batch: Array<Waiting<Item, Outcome>>): Promise<void> {
    try {
      const outcomes = await this.apply(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.inFlight -= 1;
      // Requests that queued up while this batch ran have waited long enough.
      if (this.queue.length > 0) this.lingerOver = true;
      this.pump();
      if (this.queue.length === 0 && this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
