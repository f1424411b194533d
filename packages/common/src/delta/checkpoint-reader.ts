/**
 * Reads a classic or multi-part V1 checkpoint (PROTOCOL.md, "Checkpoints"): Parquet files whose
 * rows each hold one non-null action column (`txn`, `add`, `remove`, `metaData`, `protocol`, ...).
 * V2 checkpoints (the `v2Checkpoint` feature) are refused by the protocol check before this runs.
 */
import type * as arrow from 'apache-arrow';
import { readParquet } from '../parquet';
import { Action, toAction } from './actions';
import { CheckpointFiles, LogStore } from './log-store';

const ACTION_COLUMNS = ['protocol', 'metaData', 'add', 'remove', 'txn'] as const;

export async function readCheckpoint(store: LogStore, checkpoint: CheckpointFiles): Promise<Action[]> {
  const actions: Action[] = [];
  for (const name of checkpoint.files) {
    const table = readParquet(await store.readFile(name));
    const present = ACTION_COLUMNS.filter((c) => table.schema.fields.some((f) => f.name === c));
    for (const column of present) {
      const vector = table.getChild(column) as arrow.Vector | null;
      if (!vector) continue;
      for (let i = 0; i < vector.length; i++) {
        const row = vector.get(i) as { toJSON(): unknown } | null;
        if (row === null) continue;
        actions.push(toAction({ [column]: plain(row.toJSON()) }, `checkpoint ${name} row ${i}`));
      }
    }
  }
  return actions;
}

/**
 * Row values as plain JSON-like data: nulls (absent optional fields) dropped except inside
 * `partitionValues` (a null partition value is data), bigint longs as numbers, Arrow rows, maps and
 * lists through their toJSON().
 */
function plain(value: unknown, keepNulls = false): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (Array.isArray(value)) return value.map((v) => plain(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if ((v === null || v === undefined) && !keepNulls) continue;
      out[k] = v === undefined ? null : plain(v, k === 'partitionValues');
    }
    return out;
  }
  return value;
}
