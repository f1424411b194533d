/**
 * Aggregate accumulators on typed arrays, one slot per group id, updated column at a time: a pass
 * reads one input column and the rows' group ids (−1 = row skipped, e.g. late).
 *
 *   count('*'), count(col)   Float64Array of exact counts; count(col) skips nulls
 *   sum(int|long)            long: exact, fails (LongOverflowError) beyond the int64 range, where
 *                            Spark would wrap around silently
 *   sum(decimal(p,s))        decimal(P = min(38, p+10), s): exact unscaled integers, fails
 *                            (DecimalOverflowError) when |sum| ≥ 10^P, where Spark would give null
 *   sum(double)              double
 *   min(x), max(x)           x's type (boolean, int, date as int32; long, timestamp, decimal exact,
 *                            wide values compared as bigint; double with Spark's ordering: NaN is
 *                            above every other value, −0.0 equals 0.0 and the first one seen stays;
 *                            string and binary by unsigned bytes: string-min-max.ts)
 *   hll                      approx_count_distinct's registers (sketch-accumulator.ts)
 *
 * avg is two parts (group-layout.ts): an exact or double sum, and a count of non-null values.
 *
 * Exact sums are a Float64 while |sum| < 2^53 (one comparison per addition detects leaving that
 * range: with exact operands below 2^53 the rounded result is inside (−2^53, 2^53) only when it is
 * exact); from there on the group's sum is NaN in `sum` and exact as a bigint in `exact` (a bigint
 * addition per row for those groups only). A sum is null until its group has seen a non-null value
 * (`seen`), as Spark's: a sum over only nulls is null, a count over nothing is 0.
 *
 * Error messages name the group through `describe(g)` (window and key values).
 */
import { EXACT_LIMIT, ExactVector, SqlField, Vector, exactBigInt } from '@tributary/common';
/** 2^53, held in a module constant: the package's export is a getter, costly in row loops. */
const EXACT = EXACT_LIMIT;
import { DecimalOverflowError, LongOverflowError } from '../errors';
import { StatePart } from './group-layout';
import { SketchAccumulator } from './sketch-accumulator';
import { StringMinMaxAccumulator } from './string-min-max';

const BIG_EXACT_LIMIT = 2n ** 53n;

export type DescribeGroup = (g: number) => string;

export interface Accumulator {
  readonly stateField: SqlField;
  /** Makes room for group ids below `capacity`. */
  ensureCapacity(capacity: number): void;
  /** Empties groups [from, to) (groups just created). */
  initGroups(from: number, to: number): void;
  /** Adds input rows 0..n−1 to groupOf[i] (skipping groupOf[i] < 0); input is null for count('*'). */
  update(groupOf: Int32Array, n: number, input: Vector | null): void;
  /** Adds partial state rows (a column of stateField's type) to groupOf[i]. */
  merge(groupOf: Int32Array, n: number, state: Vector): void;
  /** The state column of `count` groups: step i reads group groups[i] (i when null) into row dest[i] (i when null). */
  output(groups: Int32Array | null, count: number, dest?: Int32Array | null): Vector;
  /** Keeps groups with remap[g] ≥ 0 at their new ids. */
  compact(remap: Int32Array, newSize: number): void;
  /** Forgets every group (the table was cleared for reuse); arrays are kept. */
  reset(): void;
  /** The per-group arrays as they are (read-only, for copies of the whole table: group-image.ts). */
  arrays(): AccumulatorArrays;
  /** Bytes of the typed arrays held (capacity included; wide values not counted). */
  readonly memoryBytes: number;
}

/**
 * An accumulator's state of group g, by kind:
 *   numbers    values[g] (exact integers, doubles, or int32 types held as doubles); null when
 *              seen[g] = 0 (seen is null for counts, never null); values[g] is NaN and
 *              wide.get(g) the exact value for exact integers of magnitude ≥ 2^53 (wide is null
 *              when the type has none)
 *   bytes      data[start[g], start[g] + length[g]); null when seen[g] = 0
 *   registers  data[g·width, (g+1)·width), never null
 */
export type AccumulatorArrays =
  | { readonly kind: 'numbers'; readonly values: Float64Array; readonly seen: Uint8Array | null; readonly wide: ReadonlyMap<number, bigint> | null }
  | { readonly kind: 'bytes'; readonly start: Int32Array; readonly length: Int32Array; readonly data: Uint8Array; readonly seen: Uint8Array }
  | { readonly kind: 'registers'; readonly data: Uint8Array; readonly width: number };

export function makeAccumulator(part: StatePart, describe: DescribeGroup): Accumulator {
  const t = part.stateField.type;
  if (part.kind === 'count') return new CountAccumulator(part.stateField);
  if (part.kind === 'hll') return new SketchAccumulator(part.stateField, part.precision);
  if (part.kind === 'min' || part.kind === 'max') {
    if (t.kind === 'string' || t.kind === 'binary') return new StringMinMaxAccumulator(part.stateField, part.kind === 'max');
    return new MinMaxAccumulator(part.stateField, part.kind === 'max');
  }
  if (t.kind === 'double') return new DoubleSumAccumulator(part.stateField);
  if (t.kind === 'long') return new ExactSumAccumulator(part.stateField, part.label, describe, -(2n ** 63n), 2n ** 63n - 1n);
  if (t.kind === 'decimal') {
    const limit = 10n ** BigInt(t.precision);
    return new ExactSumAccumulator(part.stateField, part.label, describe, -limit + 1n, limit - 1n);
  }
  throw new RangeError(`no accumulator for ${part.kind} → ${t.kind}`);
}

function growF64(a: Float64Array, n: number): Float64Array {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

function growU8(a: Uint8Array, n: number): Uint8Array {
  if (a.length >= n) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

function compactF64(a: Float64Array, remap: Int32Array): Float64Array {
  const b = new Float64Array(a.length);
  for (let g = 0; g < remap.length; g++) if (remap[g] >= 0) b[remap[g]] = a[g];
  return b;
}

function compactU8(a: Uint8Array, remap: Int32Array): Uint8Array {
  const b = new Uint8Array(a.length);
  for (let g = 0; g < remap.length; g++) if (remap[g] >= 0) b[remap[g]] = a[g];
  return b;
}

class CountAccumulator implements Accumulator {
  private counts: Float64Array = new Float64Array(0);
  constructor(readonly stateField: SqlField) {}

  ensureCapacity(capacity: number): void {
    this.counts = growF64(this.counts, capacity);
  }

  initGroups(from: number, to: number): void {
    this.counts.fill(0, from, to);
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    const counts = this.counts;
    const validity = input === null ? null : input.validity;
    if (validity === null) {
      for (let i = 0; i < n; i++) {
        const g = groupOf[i];
        if (g >= 0) counts[g]++;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const g = groupOf[i];
        if (g >= 0 && validity[i] === 1) counts[g]++;
      }
    }
  }

  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const counts = this.counts;
    const values = (state as ExactVector).values;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0) continue;
      const c = values[i];
      if (!(c >= 0 && c < EXACT)) throw new RangeError(`partial count ${c} is not a count`);
      counts[g] += c;
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[dest === null ? i : dest[i]] = this.counts[groups === null ? i : groups[i]];
    return { type: this.stateField.type as ExactVector['type'], validity: null, values, wide: null };
  }

  compact(remap: Int32Array): void {
    this.counts = compactF64(this.counts, remap);
  }

  reset(): void {}

  get memoryBytes(): number {
    return this.counts.byteLength;
  }

  arrays(): AccumulatorArrays {
    return { kind: 'numbers', values: this.counts, seen: null, wide: null };
  }
}

class DoubleSumAccumulator implements Accumulator {
  private sum: Float64Array = new Float64Array(0);
  private seen: Uint8Array = new Uint8Array(0);
  constructor(readonly stateField: SqlField) {}

  ensureCapacity(capacity: number): void {
    this.sum = growF64(this.sum, capacity);
    this.seen = growU8(this.seen, capacity);
  }

  initGroups(from: number, to: number): void {
    this.sum.fill(0, from, to);
    this.seen.fill(0, from, to);
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    this.merge(groupOf, n, input as Vector);
  }

  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const values = (state as { values: Float64Array | Int32Array }).values;
    const validity = state.validity;
    const sum = this.sum;
    const seen = this.seen;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0 || (validity !== null && validity[i] === 0)) continue;
      sum[g] += values[i];
      seen[g] = 1;
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    const values = new Float64Array(count);
    let validity: Uint8Array | null = null;
    for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      values[r] = this.sum[g];
      if (this.seen[g] === 0) {
        validity ??= new Uint8Array(count).fill(1);
        validity[r] = 0;
        values[r] = 0;
      }
    }
    return { type: { kind: 'double' }, validity, values };
  }

  compact(remap: Int32Array): void {
    this.sum = compactF64(this.sum, remap);
    this.seen = compactU8(this.seen, remap);
  }

  reset(): void {}

  get memoryBytes(): number {
    return this.sum.byteLength + this.seen.byteLength;
  }

  arrays(): AccumulatorArrays {
    return { kind: 'numbers', values: this.sum, seen: this.seen, wide: null };
  }
}

/** Exact sums of int, long or decimal values, bounded to [min, max] (the result type's range). */
class ExactSumAccumulator implements Accumulator {
  private sum: Float64Array = new Float64Array(0);
  private seen: Uint8Array = new Uint8Array(0);
  private exact = new Map<number, bigint>();

  constructor(
    readonly stateField: SqlField,
    private readonly label: string,
    private readonly describe: DescribeGroup,
    private readonly min: bigint,
    private readonly max: bigint,
  ) {}

  ensureCapacity(capacity: number): void {
    this.sum = growF64(this.sum, capacity);
    this.seen = growU8(this.seen, capacity);
  }

  initGroups(from: number, to: number): void {
    this.sum.fill(0, from, to);
    this.seen.fill(0, from, to);
    if (this.exact.size > 0) for (let g = from; g < to; g++) this.exact.delete(g);
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    this.merge(groupOf, n, input as Vector);
  }

  /** Input rows and partial rows add the same way: int/long/decimal values, exact, maybe wide. */
  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const values = (state as { values: Float64Array | Int32Array }).values;
    const validity = state.validity;
    const sum = this.sum;
    const seen = this.seen;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0 || (validity !== null && validity[i] === 0)) continue;
      seen[g] = 1;
      const s = sum[g] + values[i];
      if (s < EXACT && s > -EXACT) sum[g] = s;
      else this.addSlow(g, state, i);
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    const values = new Float64Array(count);
    let validity: Uint8Array | null = null;
    let wide: Map<number, bigint> | null = null;
    for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      const s = this.sum[g];
      values[r] = s;
      if (this.seen[g] === 0) {
        validity ??= new Uint8Array(count).fill(1);
        validity[r] = 0;
        values[r] = 0;
      } else if (s !== s) {
        (wide ??= new Map()).set(r, this.exact.get(g) as bigint);
      }
    }
    return { type: this.stateField.type as ExactVector['type'], validity, values, wide };
  }

  compact(remap: Int32Array): void {
    this.sum = compactF64(this.sum, remap);
    this.seen = compactU8(this.seen, remap);
    const exact = new Map<number, bigint>();
    for (const [g, v] of this.exact) if (remap[g] >= 0) exact.set(remap[g], v);
    this.exact = exact;
  }

  reset(): void {
    this.exact.clear();
  }

  get memoryBytes(): number {
    return this.sum.byteLength + this.seen.byteLength;
  }

  arrays(): AccumulatorArrays {
    return { kind: 'numbers', values: this.sum, seen: this.seen, wide: this.exact };
  }

  private addSlow(g: number, state: Vector, i: number): void {
    const x = (state as { values: Float64Array | Int32Array }).values[i];
    const add = x === x ? BigInt(x) : exactBigInt(state as ExactVector, i);
    const current = this.sum[g];
    const total = (current === current ? BigInt(current) : (this.exact.get(g) as bigint)) + add;
    if (total < this.min || total > this.max) {
      const what = this.label;
      const type = this.stateField.type;
      const message = `${what} overflows ${type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : 'bigint'} for ${this.describe(g)}: the exact sum ${total} (unscaled) is beyond [${this.min}, ${this.max}]`;
      throw type.kind === 'decimal' ? new DecimalOverflowError(message) : new LongOverflowError(message);
    }
    if (total < BIG_EXACT_LIMIT && total > -BIG_EXACT_LIMIT) {
      this.sum[g] = Number(total);
      this.exact.delete(g);
    } else {
      this.sum[g] = NaN;
      this.exact.set(g, total);
    }
  }
}

/**
 * min or max of one ordered type. Values are held as doubles (int32 types and exact integers below
 * 2^53 exactly); wide exact values (|v| ≥ 2^53) are NaN in `best` and exact in `wide`.
 */
class MinMaxAccumulator implements Accumulator {
  private best: Float64Array = new Float64Array(0);
  private seen: Uint8Array = new Uint8Array(0);
  private wide = new Map<number, bigint>();
  private readonly exact: boolean;
  private readonly isDouble: boolean;

  constructor(readonly stateField: SqlField, private readonly isMax: boolean) {
    const k = stateField.type.kind;
    this.exact = k === 'long' || k === 'timestamp' || k === 'decimal';
    this.isDouble = k === 'double';
  }

  ensureCapacity(capacity: number): void {
    this.best = growF64(this.best, capacity);
    this.seen = growU8(this.seen, capacity);
  }

  initGroups(from: number, to: number): void {
    this.best.fill(0, from, to);
    this.seen.fill(0, from, to);
    if (this.exact && this.wide.size > 0) for (let g = from; g < to; g++) this.wide.delete(g);
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    this.merge(groupOf, n, input as Vector);
  }

  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const values = (state as { values: Float64Array | Int32Array | Uint8Array }).values;
    const validity = state.validity;
    const best = this.best;
    const seen = this.seen;
    const isMax = this.isMax;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0 || (validity !== null && validity[i] === 0)) continue;
      const x = values[i];
      if (seen[g] === 0) {
        seen[g] = 1;
        best[g] = x;
        if (x !== x && this.exact) this.wide.set(g, exactBigInt(state as ExactVector, i));
        continue;
      }
      const b = best[g];
      if (x === x && b === b) {
        if (isMax ? x > b : x < b) best[g] = x;
      } else this.compareSlow(g, state, i);
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    const values = this.stateField.type.kind === 'boolean' ? new Uint8Array(count) : this.exact || this.isDouble ? new Float64Array(count) : new Int32Array(count);
    let validity: Uint8Array | null = null;
    let wide: Map<number, bigint> | null = null;
    for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      if (this.seen[g] === 0) {
        validity ??= new Uint8Array(count).fill(1);
        validity[r] = 0;
        continue;
      }
      const b = this.best[g];
      values[r] = b;
      if (b !== b && this.exact) (wide ??= new Map()).set(r, this.wide.get(g) as bigint);
    }
    const type = this.stateField.type;
    return (this.exact ? { type, validity, values, wide } : { type, validity, values }) as Vector;
  }

  compact(remap: Int32Array): void {
    this.best = compactF64(this.best, remap);
    this.seen = compactU8(this.seen, remap);
    if (this.exact) {
      const wide = new Map<number, bigint>();
      for (const [g, v] of this.wide) if (remap[g] >= 0) wide.set(remap[g], v);
      this.wide = wide;
    }
  }

  reset(): void {
    this.wide.clear();
  }

  get memoryBytes(): number {
    return this.best.byteLength + this.seen.byteLength;
  }

  arrays(): AccumulatorArrays {
    return { kind: 'numbers', values: this.best, seen: this.seen, wide: this.exact ? this.wide : null };
  }

  /** One side is NaN: a double NaN (greater than everything) or a wide exact value. */
  private compareSlow(g: number, state: Vector, i: number): void {
    const x = (state as { values: Float64Array }).values[i];
    const b = this.best[g];
    if (this.isDouble) {
      // NaN is the greatest double; NaN vs NaN keeps the first
      if (this.isMax ? x !== x && b === b : b !== b && x === x) this.best[g] = x;
      return;
    }
    const bx = x === x ? BigInt(x) : exactBigInt(state as ExactVector, i);
    const bb = b === b ? BigInt(b) : (this.wide.get(g) as bigint);
    if (this.isMax ? bx > bb : bx < bb) {
      this.best[g] = x;
      if (x !== x) this.wide.set(g, bx);
      else this.wide.delete(g);
    }
  }
}
