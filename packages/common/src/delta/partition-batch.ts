/**
 * Rows of a batch split by the values of its partition columns (Spark's `partitionBy`), and those
 * values serialised for `add.partitionValues` (PROTOCOL.md, "Partition Value Serialization"):
 *
 *   string      as is; the empty string is null (Spark writes "" as a null partition)
 *   int, long   decimal digits: "-42", "9223372036854775807"
 *   double      "1.5", "NaN", "Infinity", "-Infinity"
 *   decimal     plain text with the type's scale: "-0.05", "12.30"
 *   boolean     "true" / "false"
 *   date        yyyy-MM-dd: "1969-12-31"
 *   timestamp   ISO 8601 in UTC with µs, as Delta Kernel writes it: "1969-12-31T23:59:59.999999Z"
 *   null        null (the directory is __HIVE_DEFAULT_PARTITION__, paths.ts)
 *
 * Binary, struct and array columns cannot partition a table. Rows are grouped column-at-a-time:
 * each partition column gives every row a small code (its value's first-seen rank, read from the
 * typed arrays; string bytes are hashed, no string per row), the codes are combined, and the rows
 * of each partition are listed in batch order. Partitions come in order of first appearance.
 */
import type { BooleanVector, BytesVector, ColumnBatch, ExactVector, Vector } from '../columns/vector';
import { exactBigInt } from '../columns/vector';
import { InvalidArgumentError } from '../errors';
import { formatUnscaled } from './row-format';

export interface BatchPartition {
  /** Partition column → serialised value, in partitionBy order. */
  values: Record<string, string | null>;
  /** The partition's rows, in batch order. */
  rows: Int32Array;
}

export function partitionRows(batch: ColumnBatch, partitionBy: readonly string[]): BatchPartition[] {
  const n = batch.count;
  const vectors = partitionBy.map((name) => partitionVector(batch, name));
  if (n === 0) return [];
  // Combined code of the columns so far, renumbered after each column so it stays below n. The
  // first column's codes are its values' first-seen ranks already.
  let { codes: group, count: groups } = vectors.length > 0 ? valueCodes(vectors[0], n) : { codes: new Int32Array(n), count: 1 };
  for (let c = 1; c < vectors.length; c++) {
    const { codes, count } = valueCodes(vectors[c], n);
    const next = new Int32Array(n);
    const seen = new Map<number, number>();
    let lastKey = -1;
    let lastGroup = -1;
    for (let i = 0; i < n; i++) {
      const key = group[i] * count + codes[i];
      if (key !== lastKey) {
        let g = seen.get(key);
        if (g === undefined) seen.set(key, (g = seen.size));
        lastKey = key;
        lastGroup = g;
      }
      next[i] = lastGroup;
    }
    group = next;
    groups = seen.size;
  }
  if (groups === 1) {
    // One partition (the usual case for a date column within a batch): every row, in order.
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    return [{ values: partitionValuesOf(vectors, partitionBy, 0), rows }];
  }
  // Counting sort of the rows by group.
  const starts = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) starts[group[i] + 1]++;
  for (let g = 0; g < groups; g++) starts[g + 1] += starts[g];
  const rows = new Int32Array(n);
  const fill = starts.slice(0, groups);
  for (let i = 0; i < n; i++) rows[fill[group[i]]++] = i;
  const out: BatchPartition[] = [];
  for (let g = 0; g < groups; g++) {
    const members = rows.subarray(starts[g], starts[g + 1]);
    out.push({ values: partitionValuesOf(vectors, partitionBy, members[0]), rows: members });
  }
  return out;
}

function partitionValuesOf(vectors: readonly Vector[], partitionBy: readonly string[], row: number): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  partitionBy.forEach((name, c) => {
    values[name] = partitionValueText(vectors[c], row);
  });
  return values;
}

function partitionVector(batch: ColumnBatch, name: string): Vector {
  const i = batch.schema.findIndex((f) => f.name === name);
  if (i < 0) throw new InvalidArgumentError(`partition column '${name}' is not a column of the batch`);
  const kind = batch.schema[i].type.kind;
  if (kind === 'binary' || kind === 'struct' || kind === 'array') {
    throw new InvalidArgumentError(`partition column '${name}' has type ${kind}; partition columns must be scalar and not binary`);
  }
  return batch.columns[i];
}

/** Row i's value of a partition column, serialised per the protocol; null for null (and ""). */
export function partitionValueText(v: Vector, i: number): string | null {
  if (v.validity !== null && v.validity[i] === 0) return null;
  switch (v.type.kind) {
    case 'boolean': return (v as BooleanVector).values[i] === 1 ? 'true' : 'false';
    case 'int': return String((v as { values: Int32Array }).values[i]);
    case 'double': return String((v as { values: Float64Array }).values[i]);
    case 'date': return dateText((v as { values: Int32Array }).values[i]);
    case 'long': return exactBigInt(v as ExactVector, i).toString();
    case 'decimal': return formatUnscaled(exactBigInt(v as ExactVector, i), v.type.scale);
    case 'timestamp': return timestampText(exactBigInt(v as ExactVector, i));
    case 'string': {
      const b = v as BytesVector;
      const text = utf8.decode(b.data.subarray(b.offsets[i], b.offsets[i + 1]));
      return text === '' ? null : text;
    }
    default: throw new InvalidArgumentError(`no partition value for type ${v.type.kind}`);
  }
}

const utf8 = new TextDecoder();
const MS_PER_DAY = 86_400_000;

function dateText(days: number): string {
  return new Date(days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** µs since the epoch → `yyyy-MM-ddTHH:mm:ss.SSSSSSZ` (UTC). */
function timestampText(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const subMs = Number(micros - ms * 1000n);
  const iso = new Date(Number(ms)).toISOString(); // …:ss.SSSZ
  return `${iso.slice(0, -1)}${String(subMs).padStart(3, '0')}Z`;
}

/**
 * Per row, the first-seen rank of its value (null is a value of its own); `count` codes in all.
 */
function valueCodes(v: Vector, n: number): { codes: Int32Array; count: number } {
  const codes = new Int32Array(n);
  const valid = v.validity;
  let nullCode = -1;
  let count = 0;
  const nullOr = (i: number): boolean => {
    if (valid === null || valid[i] === 1) return false;
    if (nullCode < 0) nullCode = count++;
    codes[i] = nullCode;
    return true;
  };
  if (v.type.kind === 'string') {
    const b = v as BytesVector;
    const byHash = new Map<number, number[]>(); // hash → rows holding the first occurrence of each value
    const codeOfRow = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (nullOr(i)) continue;
      const from = b.offsets[i];
      const to = b.offsets[i + 1];
      if (from === to) {
        // "" serialises as null: one partition with the nulls.
        if (nullCode < 0) nullCode = count++;
        codes[i] = nullCode;
        continue;
      }
      const h = hashBytes(b.data, from, to);
      let firsts = byHash.get(h);
      if (firsts === undefined) byHash.set(h, (firsts = []));
      let code = -1;
      for (const r of firsts) {
        if (sameBytes(b.data, from, to, b.offsets[r], b.offsets[r + 1])) {
          code = codeOfRow.get(r)!;
          break;
        }
      }
      if (code < 0) {
        code = count++;
        firsts.push(i);
        codeOfRow.set(i, code);
      }
      codes[i] = code;
    }
    return { codes, count };
  }
  // Numbers as keys; exact values beyond 2^53 (NaN in `values`) as bigint keys.
  const keys = new Map<number | bigint, number>();
  const values = (v as { values: ArrayLike<number> }).values;
  const wide = (v as ExactVector).wide ?? null;
  // Rows of a partition usually come in runs (a date column): a row equal to the previous valid
  // one takes its code without a lookup (NaN never equals, so wide values always look up).
  let last = NaN;
  let lastCode = -1;
  for (let i = 0; i < n; i++) {
    if (nullOr(i)) continue;
    const x = values[i];
    if (x === last) {
      codes[i] = lastCode;
      continue;
    }
    const key = x !== x && wide !== null && wide.has(i) ? wide.get(i)! : x;
    let code = keys.get(key);
    if (code === undefined) keys.set(key, (code = count++));
    codes[i] = code;
    last = x;
    lastCode = code;
  }
  return { codes, count };
}

/** FNV-1a over a byte span. */
function hashBytes(data: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let k = from; k < to; k++) h = Math.imul(h ^ data[k], 0x01000193);
  return h >>> 0;
}

function sameBytes(data: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let k = 0; k < aTo - aFrom; k++) if (data[aFrom + k] !== data[bFrom + k]) return false;
  return true;
}
