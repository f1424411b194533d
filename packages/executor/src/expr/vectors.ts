/**
 * Building blocks of the expression kernels: operands, vector allocation, validity and exact values.
 *
 * An Operand is a vector read either per row (a column, `m` = −1) or as one constant row (a
 * literal, `m` = 0): kernels read row `i & m`, so a literal is never expanded to the batch's length
 * and the loops stay branch-free.
 */
import {
  EXACT_LIMIT, takeVector, type BooleanVector, type BytesVector, type DoubleVector, type ExactVector, type Int32Vector,
  type SqlType, type Validity, type Vector,
} from '@tributary/common';

export interface Operand {
  readonly v: Vector;
  /** −1: row i is row i; 0: every row is row 0 (a constant). */
  readonly m: number;
}

export function columnOperand(v: Vector): Operand {
  return { v, m: -1 };
}
export function constantOperand(v: Vector): Operand {
  return { v, m: 0 };
}

/** A vector of `n` rows for a scalar type, values zeroed, no nulls. Strings/binary: empty spans. */
export function allocVector(type: SqlType, n: number): Vector {
  switch (type.kind) {
    case 'boolean': return { type, validity: null, values: new Uint8Array(n) } as BooleanVector;
    case 'int': case 'date': return { type, validity: null, values: new Int32Array(n) } as Int32Vector;
    case 'double': return { type, validity: null, values: new Float64Array(n) } as DoubleVector;
    case 'long': case 'decimal': case 'timestamp': return { type, validity: null, values: new Float64Array(n), wide: null } as ExactVector;
    case 'string': case 'binary': return { type, validity: null, offsets: new Int32Array(n + 1), data: new Uint8Array(0) } as BytesVector;
    case 'struct': return { type, validity: null, children: type.fields.map((f) => allocVector(f.type, n)) };
    case 'array': return { type, validity: null, offsets: new Int32Array(n + 1), element: allocVector(type.element, 0) };
  }
}

/** Validity of a result that is null where any operand is null (null when no operand has nulls). */
export function andValidity(ops: readonly Operand[], n: number): Validity {
  const withNulls = ops.filter((o) => o.v.validity !== null);
  if (withNulls.length === 0) return null;
  const out = new Uint8Array(n).fill(1);
  for (const o of withNulls) {
    const val = o.v.validity!;
    const m = o.m;
    for (let i = 0; i < n; i++) out[i] &= val[i & m];
  }
  return out;
}

/** Row i & m of an operand is valid. */
export function validAt(o: Operand, i: number): boolean {
  const val = o.v.validity;
  return val === null || val[i & o.m] === 1;
}

/** A validity array with every row valid, to clear bits in. */
export function allValid(n: number): Uint8Array {
  return new Uint8Array(n).fill(1);
}

/** The exact integer at row i of a long/decimal/timestamp vector. */
export function exactAt(v: ExactVector, i: number): bigint {
  const x = v.values[i];
  if (x === x) return BigInt(x);
  return v.wide!.get(i)!;
}

/** Writes an exact integer to row i: in `values` when |v| < 2^53, else NaN there and the value in `wide`. */
export function setExact(v: ExactVector, i: number, x: bigint): void {
  if (x < 9007199254740992n && x > -9007199254740992n) {
    v.values[i] = Number(x);
  } else {
    v.values[i] = NaN;
    (v.wide ??= new Map()).set(i, x);
  }
}

/** Sets row i to null (allocating the validity array on first use). */
export function setNull(v: Vector, i: number, n: number): void {
  (v.validity ??= allValid(n))[i] = 0;
}

export function isSafe(x: number): boolean {
  return x < EXACT_LIMIT && x > -EXACT_LIMIT;
}

/** Expands an operand to a vector of n rows (a constant is repeated). */
export function materialize(o: Operand, n: number): Vector {
  if (o.m === -1) return o.v;
  const rows = new Int32Array(n);
  return takeVector(o.v, rows);
}

const encoder = new TextEncoder();

/** Appends byte spans row by row into a string/binary vector. */
export class BytesBuilder {
  readonly offsets: Int32Array;
  data: Uint8Array;
  length = 0;
  row = 0;
  validity: Uint8Array | null = null;
  constructor(readonly n: number, capacity = 4 * n + 64) {
    this.offsets = new Int32Array(n + 1);
    this.data = new Uint8Array(capacity);
  }
  private ensure(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  appendBytes(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    this.data.set(src.subarray(start, end), this.length);
    this.length += end - start;
    this.offsets[++this.row] = this.length;
  }
  /** Appends the UTF-8 of a JS string (for functions that inherently produce text per row). */
  appendString(s: string): void {
    this.ensure(s.length * 3);
    this.length += encoder.encodeInto(s, this.data.subarray(this.length)).written;
    this.offsets[++this.row] = this.length;
  }
  /** Grows the current row by one byte without closing it (close with endRow). */
  pushByte(b: number): void {
    this.ensure(1);
    this.data[this.length++] = b;
  }
  endRow(): void {
    this.offsets[++this.row] = this.length;
  }
  appendNull(): void {
    (this.validity ??= allValid(this.n))[this.row] = 0;
    this.offsets[++this.row] = this.length;
  }
  finish(type: SqlType): BytesVector {
    return { type, validity: this.validity, offsets: this.offsets, data: this.data.subarray(0, this.length) } as BytesVector;
  }
}

const decoder = new TextDecoder();
/** Row i of a string vector as a JS string (only where a function inherently needs text). */
export function stringAt(v: BytesVector, i: number): string {
  return decoder.decode(v.data.subarray(v.offsets[i], v.offsets[i + 1]));
}

