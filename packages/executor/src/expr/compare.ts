/**
 * Comparison kernels: = != < <= > >= and the null-safe <=>, over two operands of one type (the
 * catalog has cast them). Each row's three-way order (−1, 0, 1) indexes a 3-entry answer table of
 * the operator, so one loop per type serves every operator.
 *
 * Order as Spark's: numbers by value; doubles with NaN = NaN and NaN above every other value, −0.0 =
 * 0.0 (SQLOrderingUtil.compareDoubles); strings and binary by unsigned bytes (UTF8String.compareTo:
 * UTF-8 byte order is code point order); booleans false < true. Nulls: the result is null where
 * either side is null, except for <=>, which is true for two nulls and false for one.
 */
import type { BooleanVector, BytesVector, DoubleVector, ExactVector, Int32Vector, Vector } from '@tributary/common';
import { andValidity, exactAt, type Operand } from './vectors';

/** Answer for order −1, 0, 1. */
const ANSWERS: Record<string, readonly [number, number, number]> = {
  '=': [0, 1, 0], '<=>': [0, 1, 0], '!=': [1, 0, 1],
  '<': [1, 0, 0], '<=': [1, 1, 0], '>': [0, 0, 1], '>=': [0, 1, 1],
};

export function isComparison(fn: string): boolean {
  return ANSWERS[fn] !== undefined;
}

export function compare(fn: string, a: Operand, b: Operand, n: number): BooleanVector {
  const [lt, eq, gt] = ANSWERS[fn];
  const answer = new Uint8Array([lt, eq, gt]);
  const values = new Uint8Array(n);
  switch (a.v.type.kind) {
    case 'boolean':
      compareBytesValues((a.v as BooleanVector).values, a.m, (b.v as BooleanVector).values, b.m, answer, values, n);
      break;
    case 'int': case 'date':
      compareInt32((a.v as Int32Vector).values, a.m, (b.v as Int32Vector).values, b.m, answer, values, n);
      break;
    case 'double':
      compareDoubles((a.v as DoubleVector).values, a.m, (b.v as DoubleVector).values, b.m, answer, values, n);
      break;
    case 'long': case 'decimal': case 'timestamp':
      compareExact(a.v as ExactVector, a.m, b.v as ExactVector, b.m, answer, values, n);
      break;
    case 'string': case 'binary':
      compareBytes(a.v as BytesVector, a.m, b.v as BytesVector, b.m, answer, values, n);
      break;
    default:
      throw new Error(`comparison of ${a.v.type.kind} values is not supported`);
  }
  if (fn !== '<=>') return { type: { kind: 'boolean' }, validity: andValidity([a, b], n), values };
  return nullSafe(a.v, a.m, b.v, b.m, values, n);
}

function compareInt32(x: Int32Array, mx: number, y: Int32Array, my: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  if (mx === -1 && my === 0) {
    compareInt32ToConstant(x, y[0], answer, out, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const p = x[i & mx];
    const q = y[i & my];
    out[i] = answer[(p > q ? 1 : 0) - (p < q ? 1 : 0) + 1];
  }
}

/** Column against a constant, one plain loop per operator (numbers without NaN: ints, exact integers). */
function compareInt32ToConstant(x: Int32Array, q: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  const code = answer[0] * 4 + answer[1] * 2 + answer[2]; // bits for <, =, >
  switch (code) {
    case 1: for (let i = 0; i < n; i++) out[i] = x[i] > q ? 1 : 0; break;
    case 3: for (let i = 0; i < n; i++) out[i] = x[i] >= q ? 1 : 0; break;
    case 4: for (let i = 0; i < n; i++) out[i] = x[i] < q ? 1 : 0; break;
    case 6: for (let i = 0; i < n; i++) out[i] = x[i] <= q ? 1 : 0; break;
    case 2: for (let i = 0; i < n; i++) out[i] = x[i] === q ? 1 : 0; break;
    default: for (let i = 0; i < n; i++) out[i] = x[i] !== q ? 1 : 0; break;
  }
}

function compareFloat64(x: Float64Array, mx: number, y: Float64Array, my: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  if (mx === -1 && my === 0) {
    compareFloat64ToConstant(x, y[0], answer, out, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const p = x[i & mx];
    const q = y[i & my];
    out[i] = answer[(p > q ? 1 : 0) - (p < q ? 1 : 0) + 1];
  }
}

/** The same over Float64Array (exact integers: no NaN), a copy so that each loop sees one array type. */
function compareFloat64ToConstant(x: Float64Array, q: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  const code = answer[0] * 4 + answer[1] * 2 + answer[2]; // bits for <, =, >
  switch (code) {
    case 1: for (let i = 0; i < n; i++) out[i] = x[i] > q ? 1 : 0; break;
    case 3: for (let i = 0; i < n; i++) out[i] = x[i] >= q ? 1 : 0; break;
    case 4: for (let i = 0; i < n; i++) out[i] = x[i] < q ? 1 : 0; break;
    case 6: for (let i = 0; i < n; i++) out[i] = x[i] <= q ? 1 : 0; break;
    case 2: for (let i = 0; i < n; i++) out[i] = x[i] === q ? 1 : 0; break;
    default: for (let i = 0; i < n; i++) out[i] = x[i] !== q ? 1 : 0; break;
  }
}

/** Booleans (rare in comparisons) through the generic loop. */
function compareBytesValues(x: Uint8Array, mx: number, y: Uint8Array, my: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = x[i & mx];
    const q = y[i & my];
    out[i] = answer[(p > q ? 1 : 0) - (p < q ? 1 : 0) + 1];
  }
}

function compareDoubles(x: Float64Array, mx: number, y: Float64Array, my: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const p = x[i & mx];
    const q = y[i & my];
    let c = (p > q ? 1 : 0) - (p < q ? 1 : 0);
    if (c === 0 && p !== q) c = (p !== p ? 1 : 0) - (q !== q ? 1 : 0); // NaN involved: NaN is the largest, NaN = NaN
    out[i] = answer[c + 1];
  }
}

function compareExact(x: ExactVector, mx: number, y: ExactVector, my: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  const xv = x.values;
  const yv = y.values;
  if (x.wide === null && y.wide === null) {
    compareFloat64(xv, mx, yv, my, answer, out, n); // every value exact in `values`
    return;
  }
  for (let i = 0; i < n; i++) {
    const p = xv[i & mx];
    const q = yv[i & my];
    let c: number;
    if (p === p && q === q) c = (p > q ? 1 : 0) - (p < q ? 1 : 0);
    else {
      // A wide value (NaN slot); a null row's slot is 0, so NaN here is always a wide value.
      const bp = exactAt(x, i & mx);
      const bq = exactAt(y, i & my);
      c = bp > bq ? 1 : bp < bq ? -1 : 0;
    }
    out[i] = answer[c + 1];
  }
}

function compareBytes(x: BytesVector, mx: number, y: BytesVector, my: number, answer: Uint8Array, out: Uint8Array, n: number): void {
  const xd = x.data;
  const yd = y.data;
  const xo = x.offsets;
  const yo = y.offsets;
  if (mx === -1 && my === 0 && answer[0] === answer[2]) {
    equalsConstant(xd, xo, yd.subarray(yo[0], yo[1]), answer[1], out, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    const ri = i & mx;
    const rj = i & my;
    let s = xo[ri];
    const e = xo[ri + 1];
    let t = yo[rj];
    const f = yo[rj + 1];
    let c = 0;
    while (s < e && t < f) {
      const d = xd[s++] - yd[t++];
      if (d !== 0) { c = d > 0 ? 1 : -1; break; }
    }
    if (c === 0) c = (e - s > 0 ? 1 : 0) - (f - t > 0 ? 1 : 0);
    out[i] = answer[c + 1];
  }
}

/** = (hit 1) or != (hit 0) of a string column against a constant: length first, then the bytes. */
function equalsConstant(xd: Uint8Array, xo: Int32Array, c: Uint8Array, hit: number, out: Uint8Array, n: number): void {
  const len = c.length;
  const miss = 1 - hit;
  const first = len > 0 ? c[0] : 0;
  for (let i = 0; i < n; i++) {
    const s = xo[i];
    if (xo[i + 1] - s !== len || (len > 0 && xd[s] !== first)) {
      out[i] = miss;
      continue;
    }
    let k = 1;
    while (k < len && xd[s + k] === c[k]) k++;
    out[i] = k >= len ? hit : miss;
  }
}

function nullSafe(a: Vector, ma: number, b: Vector, mb: number, values: Uint8Array, n: number): BooleanVector {
  const va = a.validity;
  const vb = b.validity;
  if (va !== null || vb !== null) {
    for (let i = 0; i < n; i++) {
      const pa = va === null ? 1 : va[i & ma];
      const pb = vb === null ? 1 : vb[i & mb];
      if (pa === 0 || pb === 0) values[i] = pa === pb ? 1 : 0;
    }
  }
  return { type: { kind: 'boolean' }, validity: null, values };
}
