/**
 * A side table of a query (quarantine, late rows: packages/common/src/task/side-tables.ts). Batch N
 * is committed to it with `txn {appId: queryId, version: N}` before the main table (DESIGN.md, "The
 * batch protocol" step 5) — every batch, with or without files, so the recovery rule "each sink
 * holds txn C or P" holds for it as for the main table. A table that already holds txn ≥ N for this
 * query is skipped (the commit of an earlier run of N got there).
 *
 * A side table created for a query that had already committed batches (the option was turned on
 * at a restart, or the table was deleted) holds none of those batches' rows by construction: at
 * creation it gets a commit with txn (queryId, last committed batch) and no files, so recovery does
 * not mistake it for a table that lost committed batches — durably, even if the driver dies before
 * the table's first batch. Snapshot and checkpoints are kept as for the main table (streaming-table.ts).
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, asBatchId, BatchId, createTable, deltaTypeName, InvalidArgumentError, SideTableName, StructType, TributaryError,
} from '@tributary/common';
import { StreamingTable } from './streaming-table';

const SIDE_TABLE_TITLES: Record<SideTableName, string> = { quarantine: 'quarantine', lateRows: 'late-rows' };
const SIDE_TABLE_OPTIONS: Record<SideTableName, string> = { quarantine: 'quarantinePath', lateRows: 'lateRowsPath' };

export class SideTableSink {
  private readonly table: StreamingTable;

  constructor(
    private readonly storage: Storage,
    readonly name: SideTableName,
    readonly tablePath: string,
    private readonly schema: StructType,
    private readonly queryId: string,
    log: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    this.table = new StreamingTable(storage, tablePath, queryId, log);
  }

  /** Creates the table unless it exists; `lastCommittedBatch` is the query's, from its commit log (−1: none). */
  async ensureTable(lastCommittedBatch: number): Promise<void> {
    let created: boolean;
    try {
      ({ created } = await createTable(this.storage, this.tablePath, this.schema, { description: `Tributary ${this.name} table of query ${this.queryId}` }));
    } catch (err) {
      // A late-rows table follows its query's aggregation input: another query's table is refused by name.
      if (!(err instanceof TributaryError) || err.code !== 'DELTA_TABLE_EXISTS') throw err;
      const columns = this.schema.fields.map((f) => `${f.name} ${deltaTypeName(f.type)}`).join(', ');
      throw new InvalidArgumentError(`the ${SIDE_TABLE_TITLES[this.name]} table ${this.tablePath} already exists with another schema; this query's has ${columns}. Write it to a new table (option ${SIDE_TABLE_OPTIONS[this.name]})`, {
        code: 'DELTA_TABLE_EXISTS', cause: err,
      });
    }
    if (created && lastCommittedBatch >= 0) await this.commitBatch(asBatchId(lastCommittedBatch), []);
  }

  /** The newest batch of this query the table holds, if any. */
  txnVersion(): Promise<number | undefined> {
    return this.table.txnVersion();
  }

  /** Returns the table version written, or 'skipped' when the table already holds batch N. `leaseToken`: the committing driver's (streaming-table.ts). */
  commitBatch(batchId: BatchId, adds: AddFile[], leaseToken?: number): Promise<number | 'skipped'> {
    return this.table.commitBatch(batchId, () => adds.map((a) => ({ add: a })), { operationParameters: { outputMode: 'Append' }, leaseToken });
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
