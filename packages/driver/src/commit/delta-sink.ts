/**
 * The main Delta table of a query (a StreamingTable: txn per batch, kept snapshot, background
 * checkpoints). Batch N's commit holds the files the reduce tasks wrote as `add` actions, and each
 * Kafka partition's end offset as a `txn` action (appId `<queryId>-<topic>-<partition>`, version =
 * end offset) for audit and lag tools. In complete mode the commit also removes every file that was
 * live, so the table holds exactly the new result.
 */
import { AddFile, Action, createTable, kafkaOffsetTxns, removeFor, Snapshot, StructType, BatchId } from '@tributary/common';
import { StreamingTable } from './streaming-table';

/** The table a query writes: its columns, partitioning, and whether each batch replaces it (complete mode). */
export interface SinkTable {
  schema: StructType;
  partitionColumns: string[];
  complete: boolean;
}

export class DeltaSink {
  private readonly table: StreamingTable;

  constructor(
    readonly tablePath: string,
    private readonly sinkTable: SinkTable,
    private readonly queryId: string,
    log: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    this.table = new StreamingTable(tablePath, queryId, log);
  }

  /** Creates the table, or checks that an existing one has the query's columns and partitioning (createTable). */
  async ensureTable(): Promise<void> {
    await createTable(this.tablePath, this.sinkTable.schema, { partitionColumns: this.sinkTable.partitionColumns });
  }

  /** The newest batch of this query the table holds, if any. */
  txnVersion(): Promise<number | undefined> {
    return this.table.txnVersion();
  }

  /** Returns the table version written, or 'skipped' when the table already holds batch N. */
  async commitBatch(batchId: BatchId, adds: AddFile[], offsets: { topic: string; partition: number; endOffset: string }[]): Promise<number | 'skipped'> {
    const complete = this.sinkTable.complete;
    const now = Date.now();
    const byTopic = new Map<string, Map<number, string>>();
    for (const o of offsets) {
      const m = byTopic.get(o.topic) ?? new Map<number, string>();
      m.set(o.partition, o.endOffset);
      byTopic.set(o.topic, m);
    }
    const offsetTxns: Action[] = [...byTopic]
      .flatMap(([topic, m]) => kafkaOffsetTxns(this.queryId, topic, m))
      .map((t) => ({ txn: { ...t, lastUpdated: now } }));
    const removes = (snapshot: Snapshot): Action[] => (complete ? [...snapshot.files.values()].map((f) => ({ remove: removeFor(f, now) })) : []);
    return this.table.commitBatch(batchId, (snapshot) => [...removes(snapshot), ...adds.map((a) => ({ add: a })), ...offsetTxns], {
      operationParameters: { outputMode: complete ? 'Complete' : 'Append' },
      readWholeTable: complete,
      now,
    });
  }

  /** Starts the checkpoint a commit made due, in the background (call once the batch is over). */
  startMaintenance(): void {
    this.table.startMaintenance();
  }

  /** Resolves when background checkpoints and log cleanup have finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.table.idle();
  }
}
