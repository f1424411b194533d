/**
 * The main Delta table of a query. Batch N is committed once with `txn {appId: queryId, version: N}`
 * (a table that already holds txn ≥ N for this query is skipped), the files the reduce tasks wrote
 * as `add` actions, and each Kafka partition's end offset as a `txn` action
 * (appId `<queryId>-<topic>-<partition>`, version = end offset) for audit and lag tools. In complete
 * mode the commit also removes every file that was live, so the table holds exactly the new result.
 *
 * The sink keeps the table's snapshot between batches and advances it with the commits made since
 * (normally only its own), so a batch never replays the whole log. After a commit at a version that
 * is a multiple of delta.checkpointInterval (default 10), a checkpoint of that version and then log
 * cleanup run in the background, one at a time; their failure is logged and never fails a batch
 * (readers fall back to the previous checkpoint and the JSON commits).
 */
import {
  AddFile, Action, applyCommit, DERIVED_METADATA_KEY, InvalidArgumentError, parseSchemaString, checkpointInterval, cleanupLog, commit, createTable, kafkaOffsetTxns, QuerySpec, readSnapshot,
  removeFor, sinkTableSchema, Snapshot, updateSnapshot, writeCheckpoint,
} from '@tributary/common';

export class DeltaSink {
  private snapshot: Snapshot | undefined;
  private maintenance: Promise<void> = Promise.resolve();

  constructor(
    readonly tablePath: string,
    private readonly spec: QuerySpec,
    private readonly queryId: string,
    private readonly log: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}

  /**
   * Creates the table, or checks that an existing one has the query's columns, partitioning and
   * derived-column expressions (executors compute partition values from the table's expressions).
   */
  async ensureTable(): Promise<void> {
    const schema = sinkTableSchema(this.spec);
    await createTable(this.tablePath, schema, { partitionColumns: this.spec.sink.partitionBy ?? [] });
    const existing = parseSchemaString((await this.current()).metadata.schemaString);
    for (const f of schema.fields) {
      const want = JSON.stringify(f.metadata[DERIVED_METADATA_KEY] ?? null);
      const have = JSON.stringify(existing.fields.find((x) => x.name === f.name)?.metadata[DERIVED_METADATA_KEY] ?? null);
      if (want !== have) {
        throw new InvalidArgumentError(`${this.tablePath} already exists and computes column '${f.name}' as ${have}, but the query computes it as ${want}; write to a new table`, {
          code: 'DELTA_TABLE_EXISTS',
        });
      }
    }
  }

  /** The newest batch of this query the table holds, if any. */
  async txnVersion(): Promise<number | undefined> {
    return (await this.current()).txns.get(this.queryId);
  }

  /** Returns the table version written, or 'skipped' when the table already holds batch N. */
  async commitBatch(batchId: number, adds: AddFile[], offsets: { topic: string; partition: number; endOffset: string }[]): Promise<number | 'skipped'> {
    const snapshot = await this.current();
    const complete = this.spec.sink.outputMode === 'complete';
    const now = Date.now();
    const removes: Action[] = complete ? [...snapshot.files.values()].map((f) => ({ remove: removeFor(f, now) })) : [];
    const byTopic = new Map<string, Map<number, string>>();
    for (const o of offsets) {
      const m = byTopic.get(o.topic) ?? new Map<number, string>();
      m.set(o.partition, o.endOffset);
      byTopic.set(o.topic, m);
    }
    const offsetTxns: Action[] = [...byTopic]
      .flatMap(([topic, m]) => kafkaOffsetTxns(this.queryId, topic, m))
      .map((t) => ({ txn: { ...t, lastUpdated: now } }));
    const actions: Action[] = [...removes, ...adds.map((a) => ({ add: a })), ...offsetTxns];
    const result = await commit(this.tablePath, actions, {
      readVersion: snapshot.version,
      snapshot,
      operation: 'STREAMING UPDATE',
      operationParameters: { outputMode: complete ? 'Complete' : 'Append', queryId: this.queryId, epochId: String(batchId) },
      txn: { appId: this.queryId, version: batchId },
      readWholeTable: complete,
      now: () => now,
    });
    if (result.skipped) {
      this.snapshot = undefined;
      return 'skipped';
    }
    this.snapshot = result.version === snapshot.version + 1
      ? applyCommit(snapshot, result.version, [{ txn: { appId: this.queryId, version: batchId } }, ...actions])
      : await updateSnapshot(snapshot, { version: result.version });
    if (result.version % checkpointInterval(this.snapshot.metadata) === 0) this.checkpointInBackground(this.snapshot);
    return result.version;
  }

  /** Resolves when background checkpoints and log cleanup have finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.maintenance;
  }

  private async current(): Promise<Snapshot> {
    this.snapshot = this.snapshot ? await updateSnapshot(this.snapshot) : await readSnapshot(this.tablePath);
    return this.snapshot;
  }

  private checkpointInBackground(snapshot: Snapshot): void {
    this.maintenance = this.maintenance.then(async () => {
      try {
        await writeCheckpoint(snapshot);
        await cleanupLog(this.tablePath, { snapshot });
      } catch (err) {
        this.log(`delta sink ${this.tablePath}: checkpoint of version ${snapshot.version} failed (the table stays readable from its log): ${(err as Error).message}`);
      }
    });
  }
}
