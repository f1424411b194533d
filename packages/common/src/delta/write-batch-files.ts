/**
 * Rows of any schema as Parquet data files of a Delta table, returning their `add` actions (path,
 * partitionValues, size, modificationTime, dataChange, stats) for the commit. The rows come as one
 * batch or as several batches of the same schema (e.g. one per Kafka chunk), which are written as
 * they are, without first being concatenated: each becomes one Arrow record batch of a file.
 *
 * With `partitionBy`, rows are split by their partition values (partition-batch.ts) into one file
 * (or more, past `maxRowsPerFile`) per partition under Hive directories `col=value/`; partition
 * columns go into the path and `add.partitionValues`, not into the files, as Spark writes them.
 * Partitions come in order of first appearance. A batch whose rows all fall in one partition is
 * written without copying its rows; the rows of a batch split across partitions are gathered.
 * Each file is ColumnBatch → Arrow (column-batch-arrow.ts) → Parquet, durably stored (data-file.ts).
 */
import * as arrow from 'apache-arrow';
import { takeRows } from '../columns/take-rows';
import type { ColumnBatch } from '../columns/vector';
import type { ParquetCompression } from '../parquet';
import { AddFile } from './actions';
import { columnBatchToArrow } from './column-batch-arrow';
import { writeDataFile } from './data-file';
import type { Storage } from '../storage/storage';
import { partitionRows } from './partition-batch';

export interface BatchFilesOptions {
  /** The table's partition columns, in order (Metadata.partitionColumns). Default none. */
  partitionBy?: readonly string[];
  /** Rows per file at most, keeping parquet-wasm's memory bounded. Default 1,000,000. */
  maxRowsPerFile?: number;
  /** Default DEFAULT_PARQUET_COMPRESSION (snappy, as Spark). */
  compression?: ParquetCompression;
  /** Default true. */
  dataChange?: boolean;
}

export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

/** Rows of one batch in one partition: all of them (rows null) or these, in batch order. */
interface Piece {
  batch: ColumnBatch;
  rows: Int32Array | null;
}

export async function writeBatchFiles(storage: Storage, tablePath: string, batches: ColumnBatch | readonly ColumnBatch[], opts: BatchFilesOptions = {}): Promise<AddFile[]> {
  const partitionBy = opts.partitionBy ?? [];
  const maxRows = opts.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;
  const list = ('columns' in batches ? [batches as ColumnBatch] : (batches as readonly ColumnBatch[])).filter((b) => b.count > 0);
  if (list.length === 0) return [];
  const schema = list[0].schema;
  const dataColumns = schema.flatMap((f, i) => (partitionBy.includes(f.name) ? [] : [i]));
  // Partition (serialised values as JSON, in partitionBy order) → its values and pieces.
  const partitions = new Map<string, { values: Record<string, string | null>; pieces: Piece[] }>();
  for (const batch of list) {
    const parts: { values: Record<string, string | null>; rows: Int32Array | null }[] = partitionBy.length > 0 ? partitionRows(batch, partitionBy) : [{ values: {}, rows: null }];
    for (const part of parts) {
      const key = JSON.stringify(partitionBy.map((c) => part.values[c] ?? null));
      let p = partitions.get(key);
      if (p === undefined) partitions.set(key, (p = { values: part.values, pieces: [] }));
      // partitionRows lists a partition's rows in batch order: all of them means the whole batch.
      p.pieces.push({ batch, rows: part.rows === null || part.rows.length === batch.count ? null : part.rows });
    }
  }
  const adds: AddFile[] = [];
  for (const { values, pieces } of partitions.values()) {
    let file: arrow.RecordBatch[] = [];
    let fileRows = 0;
    const writeFile = async (): Promise<void> => {
      if (fileRows === 0) return;
      const data = new arrow.Table(file);
      file = [];
      fileRows = 0;
      adds.push(await writeDataFile(storage, tablePath, data, { partitionValues: values, compression: opts.compression, dataChange: opts.dataChange }));
    };
    for (const piece of pieces) {
      const count = piece.rows === null ? piece.batch.count : piece.rows.length;
      for (let from = 0; from < count;) {
        const to = Math.min(count, from + maxRows - fileRows);
        file.push(recordBatchOf(piece, from, to, dataColumns));
        fileRows += to - from;
        from = to;
        if (fileRows >= maxRows) await writeFile();
      }
    }
    await writeFile();
  }
  return adds;
}

/** Rows [from, to) of a piece, data columns only, as one Arrow record batch (no copy for a whole batch). */
function recordBatchOf(piece: Piece, from: number, to: number, dataColumns: readonly number[]): arrow.RecordBatch {
  const { batch } = piece;
  let rows: ColumnBatch;
  if (piece.rows === null && from === 0 && to === batch.count) {
    rows = { count: batch.count, schema: dataColumns.map((i) => batch.schema[i]), columns: dataColumns.map((i) => batch.columns[i]) };
  } else {
    rows = takeRows(batch, piece.rows === null ? range(from, to) : piece.rows.subarray(from, to), dataColumns);
  }
  return columnBatchToArrow(rows).batches[0];
}

function range(from: number, to: number): Int32Array {
  const rows = new Int32Array(to - from);
  for (let k = 0; k < rows.length; k++) rows[k] = from + k;
  return rows;
}
