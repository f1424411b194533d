/**
 * CAST to string and to binary (Cast.scala, non-ANSI): Spark's text of each type, and the bytes of
 * strings and integers. Printing doubles, decimals, dates and timestamps builds one JS string per
 * row: the output is text by nature.
 */
import {
  formatDateText, formatDecimal, formatTimestampText, type BooleanVector, type BytesVector, type DecimalType,
  type DoubleVector, type ExactVector, type Int32Vector, type SqlType,
} from '@tributary/common';
import { andValidity, BytesBuilder, exactAt, type Operand } from './vectors';

/** Java's Double.toString: plain for 10^-3 ≤ |d| < 10^7 (at least one fraction digit), else d.dddE±n. */
export function javaDoubleText(d: number): string {
  if (d !== d) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, exp] = d.toExponential().split('e');
  return `${mant.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

export function toText(a: Operand, to: SqlType, offsetSeconds: number, n: number): BytesVector {
  const validity = andValidity([a], n);
  const m = a.m;
  const b = new BytesBuilder(n);
  const from = a.v.type.kind;
  const v = a.v;
  for (let i = 0; i < n; i++) {
    if (validity !== null && validity[i] === 0) { b.endRow(); continue; }
    const r = i & m;
    switch (from) {
      case 'string': case 'binary': {
        const s = v as BytesVector;
        b.appendBytes(s.data, s.offsets[r], s.offsets[r + 1]);
        break;
      }
      case 'boolean': b.appendString((v as BooleanVector).values[r] === 1 ? 'true' : 'false'); break;
      case 'int': b.appendString(String((v as Int32Vector).values[r])); break;
      case 'date': b.appendString(formatDateText((v as Int32Vector).values[r])); break;
      case 'double': b.appendString(javaDoubleText((v as DoubleVector).values[r])); break;
      case 'long': b.appendString(exactAt(v as ExactVector, r).toString()); break;
      case 'decimal': b.appendString(formatDecimal(exactAt(v as ExactVector, r), (v.type as DecimalType).scale)); break;
      case 'timestamp': b.appendString(formatTimestampText((v as ExactVector).values[r], offsetSeconds)); break;
      default: throw new Error(`cast from ${from} to string is not supported`);
    }
  }
  const out = b.finish(to);
  out.validity = validity;
  return out;
}

/** string → binary: the UTF-8 bytes; int/bigint → binary: big-endian two's complement (4 or 8 bytes). */
export function toBinary(a: Operand, n: number): BytesVector {
  const validity = andValidity([a], n);
  const b = new BytesBuilder(n);
  const v = a.v;
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const r = i & a.m;
    if (validity !== null && validity[i] === 0) { b.endRow(); continue; }
    if (v.type.kind === 'string') {
      const s = v as BytesVector;
      b.appendBytes(s.data, s.offsets[r], s.offsets[r + 1]);
    } else if (v.type.kind === 'int') {
      view.setInt32(0, (v as Int32Vector).values[r]);
      b.appendBytes(bytes, 0, 4);
    } else {
      view.setBigInt64(0, exactAt(v as ExactVector, r));
      b.appendBytes(bytes, 0, 8);
    }
  }
  const out = b.finish({ kind: 'binary' });
  out.validity = validity;
  return out;
}
