/**
 * The CDC job's input for a chaos run: a seeded source database (test/support/cdc-source-db.ts:
 * inserts, full and compressed updates, deletes, key updates, truncates, another table's changes)
 * whose log is rendered as GoldenGate JSON with duplicates and a replay mixed in, then produced to
 * each of its topics slice by slice while the faults strike.
 *
 * Records are sent in units of UNIT; a unit whose send fails (e.g. during a Kafka restart) is sent
 * again whole. produceEvents sends in order, one chunk (larger than a unit) in flight, so what a
 * failed send left in a partition is a prefix of the unit's records for it: each partition's first
 * occurrences stay in log order, and what comes again is a duplicate, which the apply ignores by
 * position. The model's final state and history are therefore what the table must hold, provided
 * every change reached the topic (the verdict reads the topic back to check that).
 */
import { produceEvents } from '@tributary/client';
import { batchOfRecords, goldenGateRecords, playSourceDatabase, withDuplicatesAndReplay, type SourceChange, type SourceRecord, type SourceRow } from '../support/cdc-source-db';

const UNIT = 1000;

export interface CdcTopic { topic: string; partitions: number }

export class CdcWorkload {
  /** The source database's log and final rows (the model). */
  readonly log: SourceChange[];
  readonly final: SourceRow[];
  /** The records in the order they are produced (duplicates and the replay included). */
  readonly records: SourceRecord[];
  /** Records produced to every topic so far. */
  produced = 0;
  sendRetries = 0;

  /**
   * `steps` operations of the source database, truncated at 20% and 55% of them (the replay, of the
   * first quarter, comes at 60%: partly older than the first truncate, partly older only per key).
   */
  constructor(seed: number, steps: number, private readonly bootstrap: string, readonly topics: CdcTopic[], private readonly say: (m: string) => void) {
    const played = playSourceDatabase(seed, steps, [Math.floor(steps * 0.2), Math.floor(steps * 0.55)]);
    this.log = played.log;
    this.final = played.final;
    this.records = withDuplicatesAndReplay(goldenGateRecords(played.log, seed + 1), seed + 2);
  }

  /** Produces the next `count` records (fewer when the log ends) to every topic. */
  async next(count: number): Promise<void> {
    const end = Math.min(this.records.length, this.produced + count);
    for (let from = this.produced; from < end; from += UNIT) {
      const unit = this.records.slice(from, Math.min(end, from + UNIT));
      await Promise.all(this.topics.map((t) => this.send(t, unit)));
      this.produced += unit.length;
    }
  }

  /** Produces every record not produced yet. */
  async rest(): Promise<void> {
    await this.next(this.records.length - this.produced);
  }

  private async send(t: CdcTopic, unit: SourceRecord[]): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await produceEvents(this.bootstrap, t.topic, t.partitions, batchOfRecords(unit));
        return;
      } catch (err) {
        if (tries >= 60) throw err;
        this.sendRetries++;
        this.say(`producing ${unit.length} change records to ${t.topic} failed (${(err as Error).message}); sending them again in 2 s`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }
}
