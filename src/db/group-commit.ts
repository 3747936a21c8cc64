export interface GroupCommitOptions {
  /** Most items written in one flush. Default 200. */
  maxItems?: number;
  /**
   * How long the first item of a group waits for company before the group is flushed. Default
   * 0 ms: the group is whatever arrived while the previous flush was running, so a lone caller
   * is never delayed and a busy one gets big groups.
   */
  maxWaitMs?: number;
  /** Flushes allowed to run at once. Default 1. */
  concurrency?: number;
}

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers submit one item each and await their own result, while the items that
 * arrive together are written in one transaction by `flush`. `flush` returns one result per item,
 * in order; if it throws, every caller of that group gets the error.
 */
export class GroupCommit<Item, Result> {
  private queue: Array<Pending<Item, Result>> = [];
  private running = 0;
  private scheduled = false;
  private readonly maxItems: number;
  private readonly maxWaitMs: number;
  private readonly concurrency: number;

  constructor(
    private readonly flush: (items: Item[]) => Promise<Result[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 200;
    this.maxWaitMs = options.maxWaitMs ?? 0;
    this.concurrency = options.concurrency ?? 1;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been flushed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running > 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    if (this.queue.length >= this.maxItems) {
      this.run();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    const fire = () => {
      this.scheduled = false;
      this.run();
    };
    // With no wait, the callers of this event-loop turn still join the group before it is cut.
    if (this.maxWaitMs === 0) setImmediate(fire);
    else setTimeout(fire, this.maxWaitMs);
  }

  private run(): void {
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    const group = this.queue.splice(0, this.maxItems);
    this.running++;
    this.flush(group.map((p) => p.item))
      .then((results) => {
        if (results.length !== group.length) throw new Error(`group commit flush returned ${results.length} results for ${group.length} items`);
        group.forEach((p, i) => p.resolve(results[i]!));
      })
      .catch((error: unknown) => group.forEach((p) => p.reject(error)))
      .finally(() => {
        this.running--;
        this.schedule();
      });
  }
}
