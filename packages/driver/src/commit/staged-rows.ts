/**
 * The rows a batch staged for a published sink (Kafka, webhook): the data files the committed
 * attempt's tasks wrote into the stage directory (common/plan/external-sink.ts), read back as
 * canonical values (delta/row-format.ts: exact decimals and longs as strings, timestamps as µs
 * since the epoch as strings, binary as "0x" + hex). Alert outputs are small: rows become objects
 * here, as the Kafka and HTTP clients need them anyway.
 */
import * as arrow from 'apache-arrow';
import type { AddFile, CanonicalValue, SqlField, Storage } from '@tributary/common';
import { canonicalFilePath, canonicalRows, deltaSchemaOf, joinLocation, readDataFile } from '@tributary/common';

export type StagedRow = Record<string, CanonicalValue>;

/** The rows of the files `adds` (paths relative to `stagePath`), file by file in the order given. */
export async function readStagedRows(storage: Storage, stagePath: string, output: readonly SqlField[], adds: readonly AddFile[]): Promise<StagedRow[]> {
  const schema = deltaSchemaOf(output);
  const batches: arrow.RecordBatch[] = [];
  for (const add of adds) batches.push(...(await readDataFile(storage, canonicalFilePath(stagePath, add.path), add, schema, [])));
  return batches.length === 0 ? [] : canonicalRows(new arrow.Table(batches));
}

/** Deletes the staged files of a published batch; a file left behind only costs space. */
export async function deleteStagedFiles(storage: Storage, stagePath: string, adds: readonly AddFile[]): Promise<void> {
  await Promise.all(adds.map((a) => storage.delete(canonicalFilePath(stagePath, a.path)).catch(() => {})));
}

/**
 * Removes the data files in the stage older than `beforeMs` (files of failed attempts, and of
 * replays whose batch was already published); names starting with '_' (the webhook's delivery
 * record) are kept.
 */
export async function removeStagedOrphans(storage: Storage, stagePath: string, beforeMs: number): Promise<number> {
  const old = (await storage.list(stagePath, { recursive: true })).filter((o) => !o.name.startsWith('_') && o.name.endsWith('.parquet') && o.modifiedMs < beforeMs);
  await Promise.all(old.map((o) => storage.delete(joinLocation(stagePath, ...o.name.split('/')))));
  return old.length;
}

/** Bytes of a string or binary value in canonical form ("0x" + hex for binary); null stays null. */
export function valueBytes(v: CanonicalValue | undefined, type: 'string' | 'binary'): Buffer | null {
  if (v === null || v === undefined) return null;
  if (type === 'binary') return Buffer.from(String(v).slice(2), 'hex');
  return Buffer.from(String(v), 'utf8');
}
