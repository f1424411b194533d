/**
 * A batch of rows of any schema as Parquet data files of a Delta table, returning their `add`
 * actions (path, partitionValues, size, modificationTime, dataChange, stats) for the commit.
 *
 * With `partitionBy`, rows are split by their partition values (partition-batch.ts) into one file
 * (or more, past `maxRowsPerFile`) per partition under Hive directories `col=value/`; partition
 * columns go into the path and `add.partitionValues`, not into the files, as Spark writes them.
 * Each file is ColumnBatch → Arrow (column-batch-arrow.ts) → Parquet, fsynced (data-file.ts).
 */
import { takeRows } from '../columns/take-rows';
import type { ColumnBatch } from '../columns/vector';
import type { ParquetCompression } from '../parquet';
import { AddFile } from './actions';
import { columnBatchToArrow } from './column-batch-arrow';
import { writeDataFile } from './data-file';
import { partitionRows } from './partition-batch';

export interface BatchFilesOptions {
  /** The table's partition columns, in order (Metadata.partitionColumns). Default none. */
  partitionBy?: readonly string[];
  /** Rows per file at most, keeping parquet-wasm's memory bounded. Default 1,000,000. */
  maxRowsPerFile?: number;
  /** Default zstd. */
  compression?: ParquetCompression;
  /** Default true. */
  dataChange?: boolean;
}

export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

export async function writeBatchFiles(tablePath: string, batch: ColumnBatch, opts: BatchFilesOptions = {}): Promise<AddFile[]> {
  const partitionBy = opts.partitionBy ?? [];
  const maxRows = opts.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;
  if (batch.count === 0) return [];
  const dataColumns = batch.schema.flatMap((f, i) => (partitionBy.includes(f.name) ? [] : [i]));
  const parts = partitionBy.length > 0 ? partitionRows(batch, partitionBy) : [{ values: {}, rows: null }];
  const adds: AddFile[] = [];
  for (const part of parts) {
    const count = part.rows === null ? batch.count : part.rows.length;
    for (let from = 0; from < count; from += maxRows) {
      const to = Math.min(count, from + maxRows);
      const rows = part.rows === null ? (to - from === batch.count ? null : range(from, to)) : part.rows.subarray(from, to);
      const fileRows = rows === null ? { count: batch.count, schema: batch.schema, columns: batch.columns } : takeRows(batch, rows, dataColumns);
      const data = columnBatchToArrow(fileRows);
      adds.push(await writeDataFile(tablePath, data, { partitionValues: part.values, compression: opts.compression, dataChange: opts.dataChange }));
    }
  }
  return adds;
}

function range(from: number, to: number): Int32Array {
  const rows = new Int32Array(to - from);
  for (let k = 0; k < rows.length; k++) rows[k] = from + k;
  return rows;
}
