import type { Db } from '../db/client.js';
import { GroupCommitter } from '../db/group-committer.js';
import { recordObservations, type Observation } from '../pricing/record-observation.js';

/**
 * Feeds settled calls to the pricing calibration, grouping the calls that settle together into
 * one upsert. A failed write loses only calibration samples, never money: the ledger has the
 * usage, so callers need not wait for it.
 */
export class ObservationRecorder {
  private readonly writes: GroupCommitter<Observation, void>;

  constructor(db: Db) {
    this.writes = new GroupCommitter<Observation, void>(async (items) => {
      await recordObservations(db, items);
      return items.map(() => undefined);
    }, { maxBatch: 1_000, maxWaitMs: 50 });
  }

  record(observation: Observation): void {
    this.writes.submit(observation).catch(() => {});
  }

  drain(): Promise<void> {
    return this.writes.drain();
  }
}
