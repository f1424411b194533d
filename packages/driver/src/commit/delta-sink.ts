/**
 * The main Delta table of a query. Batch N is committed once with `txn {appId: queryId, version: N}`
 * (a table that already holds txn ≥ N for this query is skipped), the files the reduce tasks wrote
 * as `add` actions, and each Kafka partition's end offset as a `txn` action
 * (appId `<queryId>-<topic>-<partition>`, version = end offset) for audit and lag tools. In complete
 * mode the commit also removes every file that was live, so the table holds exactly the new result.
 */
import {
  AddFile, AGGREGATE_TABLE_SCHEMA, commit, createTable, kafkaOffsetTxns, QuerySpec, readSnapshot, removeFor,
} from '@tributary/common';

export class DeltaSink {
  constructor(readonly tablePath: string, private readonly spec: QuerySpec, private readonly queryId: string) {}

  async ensureTable(): Promise<void> {
    await createTable(this.tablePath, AGGREGATE_TABLE_SCHEMA, { partitionColumns: this.spec.sink.partitionBy ?? [] });
  }

  /** The newest batch of this query the table holds, if any. */
  async txnVersion(): Promise<number | undefined> {
    return (await readSnapshot(this.tablePath)).txns.get(this.queryId);
  }

  /** Returns the table version written, or 'skipped' when the table already holds batch N. */
  async commitBatch(batchId: number, adds: AddFile[], offsets: { topic: string; partition: number; endOffset: string }[]): Promise<number | 'skipped'> {
    const snapshot = await readSnapshot(this.tablePath);
    const complete = this.spec.sink.outputMode === 'complete';
    const now = Date.now();
    const removes = complete ? [...snapshot.files.values()].map((f) => ({ remove: removeFor(f, now) })) : [];
    const byTopic = new Map<string, Map<number, string>>();
    for (const o of offsets) {
      const m = byTopic.get(o.topic) ?? new Map<number, string>();
      m.set(o.partition, o.endOffset);
      byTopic.set(o.topic, m);
    }
    const offsetTxns = [...byTopic].flatMap(([topic, m]) => kafkaOffsetTxns(this.queryId, topic, m)).map((t) => ({ txn: { ...t, lastUpdated: now } }));
    const result = await commit(this.tablePath, [...removes, ...adds.map((a) => ({ add: a })), ...offsetTxns] as any, {
      readVersion: snapshot.version,
      snapshot,
      operation: 'STREAMING UPDATE',
      operationParameters: { outputMode: complete ? 'Complete' : 'Append', queryId: this.queryId, epochId: String(batchId) },
      txn: { appId: this.queryId, version: batchId },
      readWholeTable: complete,
    });
    return result.skipped ? 'skipped' : result.version;
  }
}
