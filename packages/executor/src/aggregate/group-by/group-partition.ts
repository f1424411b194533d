/**
 * The shuffle partition of a group: Spark's HashPartitioning over the grouping keys, computed from
 * the values (never from a table's dictionary ids), so every executor, every restart and every
 * version agrees. State is owned per partition: this definition must never change (fixed vectors in
 * group-partition.test.ts).
 *
 *   h = 42
 *   window (when the query has one): the struct <start, end> → h = hashLong(start, h),
 *                                                             h = hashLong(end, h)
 *   each key in order: null → h unchanged; otherwise h = hash(value, h) by type (spark-hash.ts)
 *   partition = pmod(h as signed int32, numPartitions)
 *
 * which is Spark SQL's pmod(hash(window, key1, key2, …), numPartitions). Column at a time over a
 * ColumnBatch of the layout's stateSchema (window_start first when windowed).
 */
import { BytesVector, ColumnBatch, ExactVector, SqlType, Vector, exactBigInt } from '@tributary/common';
import { GroupLayout } from './group-layout';
import { SPARK_HASH_SEED, hashBytes, hashDecimal, hashDouble, hashInt, hashLong, hashLongBig } from './spark-hash';

/** Spark's hash of the grouping columns of `rows` (stateSchema layout), one int32 per row. */
export function groupHashes(rows: ColumnBatch, layout: GroupLayout): Int32Array {
  const n = rows.count;
  const h = new Int32Array(n).fill(SPARK_HASH_SEED);
  let c = 0;
  if (layout.window !== null) {
    const starts = (rows.columns[0] as ExactVector).values;
    const size = layout.window.sizeMicros;
    for (let i = 0; i < n; i++) {
      h[i] = hashLong(starts[i] + size, hashLong(starts[i], h[i]));
    }
    c = 1;
  }
  for (; c < layout.groupColumns; c++) hashColumn(rows.columns[c], n, h);
  return h;
}

/** pmod(hash, numPartitions) of each row's grouping key. */
export function groupPartitions(rows: ColumnBatch, layout: GroupLayout, numPartitions: number): Int32Array {
  if (!Number.isSafeInteger(numPartitions) || numPartitions <= 0 || numPartitions > 0x7fffffff) {
    throw new RangeError(`numPartitions must be a positive int32, got ${numPartitions}`);
  }
  const h = groupHashes(rows, layout);
  const out = new Int32Array(rows.count);
  for (let i = 0; i < rows.count; i++) {
    const r = h[i] % numPartitions;
    out[i] = r < 0 ? r + numPartitions : r;
  }
  return out;
}

/** h[i] = hash(value of row i, h[i]) for the non-null rows of one column. */
export function hashColumn(v: Vector, n: number, h: Int32Array): void {
  const validity = v.validity;
  const t: SqlType = v.type;
  switch (t.kind) {
    case 'boolean':
    case 'int':
    case 'date': {
      const values = (v as { values: Int32Array | Uint8Array }).values;
      for (let i = 0; i < n; i++) if (validity === null || validity[i] === 1) h[i] = hashInt(values[i], h[i]);
      return;
    }
    case 'double': {
      const values = (v as { values: Float64Array }).values;
      for (let i = 0; i < n; i++) if (validity === null || validity[i] === 1) h[i] = hashDouble(values[i], h[i]);
      return;
    }
    case 'long':
    case 'timestamp': {
      const ev = v as ExactVector;
      for (let i = 0; i < n; i++) {
        if (validity !== null && validity[i] === 0) continue;
        const x = ev.values[i];
        h[i] = x === x ? hashLong(x, h[i]) : hashLongBig(exactBigInt(ev, i), h[i]);
      }
      return;
    }
    case 'decimal': {
      const ev = v as ExactVector;
      for (let i = 0; i < n; i++) {
        if (validity !== null && validity[i] === 0) continue;
        const x = ev.values[i];
        h[i] = hashDecimal(x === x ? x : exactBigInt(ev, i), t.precision, h[i]);
      }
      return;
    }
    case 'string':
    case 'binary': {
      const { offsets, data } = v as BytesVector;
      for (let i = 0; i < n; i++) if (validity === null || validity[i] === 1) h[i] = hashBytes(data, offsets[i], offsets[i + 1], h[i]);
      return;
    }
    default:
      throw new RangeError(`${t.kind} is not a group key type`);
  }
}
