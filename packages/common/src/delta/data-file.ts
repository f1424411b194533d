/**
 * Writes one Parquet data file into a table directory and returns its `add` action.
 *
 * Files are named like Spark's, `part-<uuid>-c000.snappy.parquet` (the codec's name), under Hive partition directories
 * when partition values are given. The file is durably in storage (`put`) before the `add` is
 * returned, so a commit never references bytes that a crash could lose; a file whose commit never happens is garbage that
 * VACUUM removes once older than its retention.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type * as arrow from 'apache-arrow';
import { DEFAULT_PARQUET_COMPRESSION, ParquetCompression, writeParquet } from '../parquet';
import { AddFile } from './actions';
import { partitionDirectory, toUriPath } from './paths';
import { computeStats } from './stats';
import { joinLocation, type Storage } from '../storage/storage';

export interface DataFileOptions {
  /** Partition column → serialised value (PROTOCOL.md, "Partition Value Serialization"), in order. */
  partitionValues?: Record<string, string | null>;
  /** Default DEFAULT_PARQUET_COMPRESSION (snappy). */
  compression?: ParquetCompression;
  /** Default true (false for files that only rearrange existing rows). */
  dataChange?: boolean;
}

export async function writeDataFile(storage: Storage, tablePath: string, data: arrow.Table, opts: DataFileOptions = {}): Promise<AddFile> {
  const partitionValues = opts.partitionValues ?? {};
  const partitionColumns = Object.keys(partitionValues);
  const compression = opts.compression ?? DEFAULT_PARQUET_COMPRESSION;
  const codecTag = compression === 'uncompressed' ? '' : `.${compression}`;
  const fileName = `part-${randomUUID()}-c000${codecTag}.parquet`;
  const dir = partitionColumns.length > 0 ? partitionDirectory(partitionColumns, partitionValues) : '';
  const relative = dir === '' ? fileName : path.join(dir, fileName);

  // Partition values live in the path and the `add`, not in the file (as Spark writes them).
  const fileData = partitionColumns.some((c) => data.schema.fields.some((f) => f.name === c))
    ? data.select(data.schema.fields.map((f) => f.name).filter((n) => !partitionColumns.includes(n)))
    : data;
  const stats = computeStats(fileData);
  const bytes = writeParquet(fileData, { compression });
  // `put`: the name is a fresh random UUID, so no other writer shares it (storage.ts).
  await storage.put(joinLocation(tablePath, ...relative.split(path.sep)), bytes);
  return {
    path: toUriPath(relative),
    partitionValues,
    size: bytes.byteLength,
    modificationTime: Date.now(),
    dataChange: opts.dataChange ?? true,
    stats,
  };
}
