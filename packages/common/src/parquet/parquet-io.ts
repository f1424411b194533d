/**
 * Arrow ⇄ Parquet through parquet-wasm (the one module that touches it).
 *
 * Types as written (parquet-wasm 0.8 / arrow-rs): Timestamp(µs, "UTC") → INT64
 * TIMESTAMP(MICROS, isAdjustedToUTC=true); Decimal128(p,s) → DECIMAL(p,s) (INT64 when p ≤ 18,
 * FIXED_LEN_BYTE_ARRAY otherwise); Struct → a group. The Arrow schema is also embedded as
 * `ARROW:schema` metadata, so reading back gives the same Arrow types.
 *
 * Encodings, chosen by measured write cost on the benchmark's ingest rows (docs/performance.md):
 * - top-level string and binary columns: dictionary (RLE_DICTIONARY, with arrow-rs's fallback to
 *   plain when the dictionary outgrows its page). Trying a dictionary on every column, as arrow-rs
 *   and Spark do by default, cost ~40% of the write time (ids, amounts and timestamps rarely repeat).
 * - top-level columns stored as INT32 or INT64 (int, long, date, timestamp, decimal with p ≤ 18):
 *   DELTA_BINARY_PACKED, in version 1 data pages. Ids and timestamps that grow, and small numbers,
 *   pack into a few bits a value: files ~3.6 times smaller than plain + snappy, written faster.
 *   Spark (≥ 3.3, vectorized reader included), parquet-mr and arrow-rs read it.
 * - everything else (doubles, booleans, wide decimals, nested fields): plain.
 *
 * No Parquet statistics (min/max/null count per column chunk and page) are written: computing them
 * was ~35% of arrow-rs's write time, and a Delta data file carries the same facts for the whole file
 * in its `add.stats` (delta/stats.ts), which is what Delta readers skip files by. A reader loses
 * row-group skipping inside a file, which is moot for files of one row group (the default below).
 *
 * Caveats: `writeParquet` consumes its wasm table and writer properties (calling free() after it
 * throws), and wasm memory grows to at most ~4 GiB and never shrinks: keep each call to a bounded
 * number of rows (callers split large outputs into several files).
 */
import * as arrow from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm/node/parquet_wasm';

// parquet-wasm's "./node" export resolves at run time through the package's exports map; the
// type-only import above names its declaration file, which TypeScript's node10 resolution finds.
const wasm: typeof ParquetWasm = require('parquet-wasm/node');

/**
 * Dates and timestamps are written in the proleptic Gregorian calendar. Spark 3 reads a file's
 * dates before 1582-10-15 and timestamps before 1900 only when the file says which calendar it
 * used; otherwise it fails with INCONSISTENT_BEHAVIOR_CROSS_VERSION.READ_ANCIENT_DATETIME
 * (spark.sql.parquet.datetimeRebaseModeInRead defaults to EXCEPTION). It takes the key
 * `org.apache.spark.version` ≥ 3.0.0 without `org.apache.spark.legacyDateTime` to mean proleptic
 * Gregorian, values read as they are (DataSourceUtils.datetimeRebaseSpec), so every file carries it.
 */
const SPARK_VERSION_KEY = 'org.apache.spark.version';
const SPARK_CALENDAR_VERSION = '3.5.0';

export type ParquetCompression = 'zstd' | 'snappy' | 'uncompressed';

/**
 * The codec data files are written with unless asked otherwise: snappy, Spark's default
 * (spark.sql.parquet.compression.codec). On the benchmark's ingest rows it writes ~25% faster than
 * zstd for files ~1.9 times larger.
 */
export const DEFAULT_PARQUET_COMPRESSION: ParquetCompression = 'snappy';

export interface ParquetWriteOptions {
  /** Default DEFAULT_PARQUET_COMPRESSION (snappy). */
  compression?: ParquetCompression;
  /** Rows per row group; default 1,048,576 (one row group for a typical batch output). */
  maxRowGroupSize?: number;
}

const CODECS: Record<ParquetCompression, number> = {
  zstd: wasm.Compression.ZSTD,
  snappy: wasm.Compression.SNAPPY,
  uncompressed: wasm.Compression.UNCOMPRESSED,
};

/** Encodes an Arrow table (or one record batch) as a Parquet file. */
export function writeParquet(data: arrow.Table | arrow.RecordBatch, opts: ParquetWriteOptions = {}): Uint8Array {
  const table = data instanceof arrow.Table ? data : new arrow.Table([data]);
  let builder = new wasm.WriterPropertiesBuilder()
    .setCompression(CODECS[opts.compression ?? DEFAULT_PARQUET_COMPRESSION])
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(wasm.EnabledStatistics.None);
  for (const f of table.schema.fields) {
    if (arrow.DataType.isUtf8(f.type) || arrow.DataType.isBinary(f.type)) builder = builder.setColumnDictionaryEnabled(f.name, true);
    else if (storedAsInteger(f.type)) builder = builder.setColumnEncoding(f.name, wasm.Encoding.DELTA_BINARY_PACKED);
  }
  const props = builder
    .setMaxRowGroupSize(opts.maxRowGroupSize ?? 1 << 20)
    .setCreatedBy('Tributary')
    .setKeyValueMetadata(new Map([[SPARK_VERSION_KEY, SPARK_CALENDAR_VERSION]]))
    .build();
  const wasmTable = wasm.Table.fromIPCStream(ipcStream(table));
  return wasm.writeParquet(wasmTable, props);
}

/**
 * The table as an Arrow IPC stream, assembled in memory kept from one call to the next: the stream
 * is as large as the rows (~40 MB for a million ingest rows), fresh memory costs a page fault per
 * page when first touched (docs/performance.md), and `Table.fromIPCStream` copies the stream into
 * wasm memory at once, so the bytes returned are only valid until the next call.
 */
function ipcStream(table: arrow.Table): Uint8Array {
  const sink = new ReusedByteSink();
  const writer = new arrow.RecordBatchStreamWriter();
  writer.reset(sink, table.schema);
  for (const batch of table.batches) writer.write(batch);
  writer.finish();
  return sink.bytes();
}

let ipcBuffer = new Uint8Array(0);

/** The writer's output (flatbuffer headers, body buffers, padding) appended to `ipcBuffer`. */
class ReusedByteSink extends arrow.AsyncByteQueue {
  private length = 0;

  override write(value: Parameters<arrow.AsyncByteQueue['write']>[0]): void {
    if (!ArrayBuffer.isView(value)) throw new TypeError('the Arrow IPC writer gave a chunk that is not a typed array');
    const chunk = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    const end = this.length + chunk.byteLength;
    if (end > ipcBuffer.byteLength) {
      const grown = new Uint8Array(Math.max(end, 2 * ipcBuffer.byteLength));
      grown.set(ipcBuffer.subarray(0, this.length));
      ipcBuffer = grown;
    }
    ipcBuffer.set(chunk, this.length);
    this.length = end;
  }

  bytes(): Uint8Array {
    return ipcBuffer.subarray(0, this.length);
  }
}

/** True for the Arrow types arrow-rs stores as Parquet INT32 or INT64 (parquet-wasm 0.8). */
function storedAsInteger(type: arrow.DataType): boolean {
  if (arrow.DataType.isInt(type) || arrow.DataType.isTimestamp(type)) return true;
  if (arrow.DataType.isDate(type)) return type.unit === arrow.DateUnit.DAY;
  if (arrow.DataType.isDecimal(type)) return type.precision <= 18;
  return false;
}

/** Decodes a whole Parquet file into an Arrow table (JS memory). */
export function readParquet(bytes: Uint8Array, opts: { columns?: string[]; batchSize?: number } = {}): arrow.Table {
  const wasmTable = wasm.readParquet(bytes, { batchSize: opts.batchSize ?? 65536, ...(opts.columns ? { columns: opts.columns } : {}) });
  return arrow.tableFromIPC(wasmTable.intoIPCStream());
}
