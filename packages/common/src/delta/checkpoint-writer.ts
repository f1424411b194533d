/**
 * Writes a classic single-file V1 checkpoint (PROTOCOL.md, "Checkpoints") of a snapshot:
 * `_delta_log/%020d.checkpoint.parquet`, one row per action with exactly one non-null column among
 *
 *   txn      struct<appId string, version long, lastUpdated long>
 *   add      struct<path string, partitionValues map<string,string>, size long, modificationTime long,
 *                   dataChange boolean, stats string, tags map<string,string>>
 *   remove   struct<path string, deletionTimestamp long, dataChange boolean, extendedFileMetadata boolean,
 *                   partitionValues map<string,string>, size long>
 *   metaData struct<id string, name string, description string,
 *                   format struct<provider string, options map<string,string>>, schemaString string,
 *                   partitionColumns array<string>, configuration map<string,string>, createdTime long>
 *   protocol struct<minReaderVersion int, minWriterVersion int, readerFeatures array<string>, writerFeatures array<string>>
 *
 * Rows hold the reconciled state: protocol, metaData, the latest txn per appId, every live add
 * (dataChange false, as the protocol asks) and the tombstones younger than
 * delta.deletedFileRetentionDuration (so VACUUM by any engine still sees them). Then
 * `_last_checkpoint` is replaced. Checkpoints are an optimisation: callers write them off the
 * commit path and a failure never fails a commit.
 */
import * as arrow from 'apache-arrow';
import { writeParquet } from '../parquet';
import { checkpointFileName, LogStore } from './log-store';
import type { Storage } from '../storage/storage';
import { Snapshot } from './snapshot';
import { deletedFileRetentionMs } from './table-properties';

const str = (): arrow.Utf8 => new arrow.Utf8();
const long = (): arrow.Int64 => new arrow.Int64();
const f = (name: string, type: arrow.DataType, nullable = true): arrow.Field => new arrow.Field(name, type, nullable);
const stringMap = (): arrow.Map_ =>
  new arrow.Map_(f('key_value', new arrow.Struct([f('key', str(), false), f('value', str(), true)]), false)) as arrow.Map_;
const stringList = (): arrow.List => new arrow.List(f('element', str(), true));

export const CHECKPOINT_ARROW_SCHEMA = new arrow.Schema([
  f('txn', new arrow.Struct([f('appId', str()), f('version', long()), f('lastUpdated', long())])),
  f('add', new arrow.Struct([
    f('path', str()), f('partitionValues', stringMap()), f('size', long()), f('modificationTime', long()),
    f('dataChange', new arrow.Bool()), f('stats', str()), f('tags', stringMap()),
  ])),
  f('remove', new arrow.Struct([
    f('path', str()), f('deletionTimestamp', long()), f('dataChange', new arrow.Bool()), f('extendedFileMetadata', new arrow.Bool()),
    f('partitionValues', stringMap()), f('size', long()),
  ])),
  f('metaData', new arrow.Struct([
    f('id', str()), f('name', str()), f('description', str()),
    f('format', new arrow.Struct([f('provider', str()), f('options', stringMap())])),
    f('schemaString', str()), f('partitionColumns', stringList()), f('configuration', stringMap()), f('createdTime', long()),
  ])),
  f('protocol', new arrow.Struct([
    f('minReaderVersion', new arrow.Int32()), f('minWriterVersion', new arrow.Int32()),
    f('readerFeatures', stringList()), f('writerFeatures', stringList()),
  ])),
]);

const big = (v: number | undefined): bigint | null => (v === undefined || v === null ? null : BigInt(v));
const map = (o: Record<string, string | null> | undefined): Map<string, string | null> | null =>
  o === undefined || o === null ? null : new Map(Object.entries(o));

export interface CheckpointResult {
  version: number;
  /** Actions written. */
  size: number;
  bytes: number;
}

export async function writeCheckpoint(storage: Storage, snapshot: Snapshot, opts: { now?: number } = {}): Promise<CheckpointResult> {
  const now = opts.now ?? Date.now();
  const rows: Record<string, unknown>[] = [];
  const p = snapshot.protocol;
  rows.push({ protocol: {
    minReaderVersion: p.minReaderVersion, minWriterVersion: p.minWriterVersion,
    readerFeatures: p.readerFeatures ?? null, writerFeatures: p.writerFeatures ?? null,
  } });
  const m = snapshot.metadata;
  rows.push({ metaData: {
    id: m.id, name: m.name ?? null, description: m.description ?? null,
    format: { provider: m.format?.provider ?? 'parquet', options: map(m.format?.options ?? {}) },
    schemaString: m.schemaString, partitionColumns: m.partitionColumns, configuration: map(m.configuration),
    createdTime: big(m.createdTime),
  } });
  for (const [appId, version] of snapshot.txns) rows.push({ txn: { appId, version: BigInt(version), lastUpdated: null } });
  for (const a of snapshot.files.values()) {
    rows.push({ add: {
      path: a.path, partitionValues: map(a.partitionValues), size: big(a.size), modificationTime: big(a.modificationTime),
      dataChange: false, stats: a.stats ?? null, tags: map(a.tags),
    } });
  }
  const keepAfter = now - deletedFileRetentionMs(m);
  for (const r of snapshot.tombstones.values()) {
    if ((r.deletionTimestamp ?? 0) <= keepAfter) continue;
    rows.push({ remove: {
      path: r.path, deletionTimestamp: big(r.deletionTimestamp), dataChange: false,
      extendedFileMetadata: r.extendedFileMetadata ?? null, partitionValues: map(r.partitionValues), size: big(r.size),
    } });
  }
  const columns = CHECKPOINT_ARROW_SCHEMA.fields.map((field) => arrow.vectorFromArray(rows.map((r) => r[field.name] ?? null), field.type));
  const struct = arrow.makeData({
    type: new arrow.Struct(CHECKPOINT_ARROW_SCHEMA.fields), length: rows.length, nullCount: 0, children: columns.map((c) => c.data[0]),
  });
  const bytes = writeParquet(new arrow.RecordBatch(CHECKPOINT_ARROW_SCHEMA, struct), { compression: 'snappy' });
  const store = new LogStore(storage, snapshot.tablePath);
  await store.replaceFile(checkpointFileName(snapshot.version), bytes);
  const last = await store.readLastCheckpoint();
  if (last === undefined || last.version <= snapshot.version) await store.writeLastCheckpoint({ version: snapshot.version, size: rows.length });
  return { version: snapshot.version, size: rows.length, bytes: bytes.byteLength };
}
