/**
 * String kernels over UTF-8 bytes (Spark's stringExpressions.scala over UTF8String): lower, upper,
 * trim, substring, concat, length. Characters are Unicode code points, as UTF8String counts them.
 */
import type { BytesVector, Int32Vector, SqlType } from '@tributary/common';
import { andValidity, BytesBuilder, stringAt, type Operand } from './vectors';

const STRING: SqlType = { kind: 'string' };

function isContinuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/**
 * lower/upper: ASCII letters are mapped byte by byte; a row with any non-ASCII byte is decoded and
 * mapped with JavaScript's locale-independent case mapping (as Java's toLowerCase(Locale.ROOT)),
 * the one place these functions need a per-row JS string.
 */
export function changeCase(fn: 'lower' | 'upper', a: Operand, n: number): BytesVector {
  const v = a.v as BytesVector;
  const validity = andValidity([a], n);
  const b = new BytesBuilder(n, a.m === -1 ? v.data.length + 16 : 4 * n + 64);
  const [from, to] = fn === 'lower' ? [0x41, 0x5a] : [0x61, 0x7a];
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) { b.endRow(); continue; }
    const r = i & a.m;
    const s = v.offsets[r];
    const e = v.offsets[r + 1];
    let ascii = true;
    for (let k = s; k < e; k++) if (v.data[k] >= 0x80) { ascii = false; break; }
    if (!ascii) {
      const text = stringAt(v, r);
      b.appendString(fn === 'lower' ? text.toLowerCase() : text.toUpperCase());
      continue;
    }
    for (let k = s; k < e; k++) {
      const c = v.data[k];
      b.pushByte(c >= from && c <= to ? c ^ 0x20 : c);
    }
    b.endRow();
  }
  const out = b.finish(STRING);
  out.validity = validity;
  return out;
}

/** trim(str): removes spaces (0x20 only, as UTF8String.trim) from both ends. */
export function trim(a: Operand, n: number): BytesVector {
  const v = a.v as BytesVector;
  const validity = andValidity([a], n);
  const b = new BytesBuilder(n, a.m === -1 ? v.data.length + 16 : 4 * n + 64);
  for (let i = 0; i < n; i++) {
    const r = i & a.m;
    let s = v.offsets[r];
    let e = v.offsets[r + 1];
    while (s < e && v.data[s] === 0x20) s++;
    while (e > s && v.data[e - 1] === 0x20) e--;
    b.appendBytes(v.data, s, e);
  }
  const out = b.finish(STRING);
  out.validity = validity;
  return out;
}

/** length(str): characters (code points); of binary: bytes. */
export function length(a: Operand, n: number): Int32Vector {
  const v = a.v as BytesVector;
  const values = new Int32Array(n);
  const bytes = v.type.kind === 'binary';
  for (let i = 0; i < n; i++) {
    const r = i & a.m;
    const s = v.offsets[r];
    const e = v.offsets[r + 1];
    if (bytes) { values[i] = e - s; continue; }
    let count = 0;
    for (let k = s; k < e; k++) if (!isContinuation(v.data[k])) count++;
    values[i] = count;
  }
  return { type: { kind: 'int' } as Int32Vector['type'], validity: andValidity([a], n), values };
}

/**
 * substring(str, pos, len) as UTF8String.substringSQL: pos is 1-based, 0 means 1, a negative pos
 * counts from the end; the characters [start, start + len) that exist; an empty string when none.
 */
export function substring(a: Operand, pos: Operand, len: Operand, n: number): BytesVector {
  const v = a.v as BytesVector;
  const pv = (pos.v as Int32Vector).values;
  const lv = (len.v as Int32Vector).values;
  const validity = andValidity([a, pos, len], n);
  const b = new BytesBuilder(n, a.m === -1 ? v.data.length + 16 : 4 * n + 64);
  const d = v.data;
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) { b.endRow(); continue; }
    const r = i & a.m;
    const s = v.offsets[r];
    const e = v.offsets[r + 1];
    const p = pv[i & pos.m];
    const l = lv[i & len.m];
    let chars = 0;
    if (p < 0) for (let k = s; k < e; k++) if (!isContinuation(d[k])) chars++;
    let start = p > 0 ? p - 1 : p < 0 ? chars + p : 0;
    const end = Math.min(Math.max(start + l, -2147483648), 2147483647);
    start = Math.max(start, 0);
    if (start >= end) { b.endRow(); continue; }
    // Walk to the byte offsets of characters `start` and `end`.
    let k = s;
    let c = 0;
    while (k < e && c < start) { k++; while (k < e && isContinuation(d[k])) k++; c++; }
    const from = k;
    while (k < e && c < end) { k++; while (k < e && isContinuation(d[k])) k++; c++; }
    b.appendBytes(d, from, k);
  }
  const out = b.finish(STRING);
  out.validity = validity;
  return out;
}

/** concat(str…): the bytes of every argument; null when any is null. */
export function concat(args: readonly Operand[], n: number): BytesVector {
  const validity = andValidity(args, n);
  const b = new BytesBuilder(n);
  const vs = args.map((a) => a.v as BytesVector);
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) { b.endRow(); continue; }
    for (let k = 0; k < vs.length; k++) {
      const r = i & args[k].m;
      const v = vs[k];
      const s = v.offsets[r];
      const e = v.offsets[r + 1];
      for (let j = s; j < e; j++) b.pushByte(v.data[j]);
    }
    b.endRow();
  }
  const out = b.finish(STRING);
  out.validity = validity;
  return out;
}
