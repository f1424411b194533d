/**
 * Mirrors a query's committed Kafka offsets to a consumer group named after the query
 * (`tributary-<query name>`, or `tributary-<query id>` for a query without a name), so Kafka's own
 * tools (`kafka-consumer-groups.sh --describe`) and lag monitors show how far behind it is — which
 * Spark never feeds, its offsets living only in its checkpoint.
 *
 * After each commit, the batch's end offsets (the next offset to read, as a consumer commits them)
 * are committed for the group. Never read for correctness: the checkpoint and the Delta txn hold
 * the offsets. Off the batch's path: one commit in flight per query, the newest offsets win, and a
 * failure only logs a warning (once until a commit succeeds again).
 */
import type { Log, QueryProgress } from '@tributary/common';

export function lagGroupId(queryId: string, name: string): string {
  return `tributary-${name !== '' ? name : queryId}`;
}

export type CommitGroupOffsets = (groupId: string, topic: string, offsets: Map<number, bigint>) => Promise<void>;

export class LagMirror {
  private next: QueryProgress | undefined;
  private running: Promise<void> | undefined;
  private warned = false;

  constructor(readonly groupId: string, private readonly commit: CommitGroupOffsets, private readonly log: Log, private readonly queryId: string) {}

  /** Mirrors the end offsets of a committed batch (in the background). */
  batchCommitted(progress: QueryProgress): void {
    this.next = progress;
    if (this.running === undefined) this.running = this.drain();
  }

  /** Waits for the mirror commits asked for so far. */
  async flush(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.next !== undefined) {
      const p = this.next;
      this.next = undefined;
      for (const source of p.sources) {
        for (const [topic, parts] of Object.entries(source.endOffset ?? {})) {
          const offsets = new Map(Object.entries(parts).map(([partition, o]) => [Number(partition), BigInt(o)]));
          try {
            await this.commit(this.groupId, topic, offsets);
            this.warned = false;
          } catch (err) {
            if (!this.warned) this.log(`WARN could not mirror the committed offsets of batch ${p.batchId} to Kafka consumer group ${this.groupId} (lag monitors show older offsets; the query is not affected): ${(err as Error).message}`, { queryId: this.queryId, batchId: p.batchId });
            this.warned = true;
          }
        }
      }
    }
    this.running = undefined;
  }
}
