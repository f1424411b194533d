/**
 * Test helpers: one-column vectors from readable JS values and back.
 *
 *   boolean → true/false; int → number; bigint → number or bigint; double → number;
 *   decimal → its text ('12.34'); string → string; date → 'yyyy-MM-dd';
 *   timestamp → 'yyyy-MM-dd HH:mm:ss[.ffffff]' in UTC; null → null.
 */
import {
  formatDateText, formatDecimal, formatTimestampText, parseDateText, parseDecimalText, parseTimestampText, changePrecision,
  type BooleanVector, type BytesVector, type DecimalType, type DoubleVector, type ExactVector, type Int32Vector,
  type SqlType, type Vector,
} from '@tributary/common';
import { allocVector, BytesBuilder, exactAt, setExact } from './vectors';

export type JsValue = boolean | number | bigint | string | null;

export function vectorOf(type: SqlType, values: readonly JsValue[]): Vector {
  const n = values.length;
  if (type.kind === 'string' || type.kind === 'binary') {
    const b = new BytesBuilder(n);
    for (const v of values) if (v === null) b.appendNull(); else b.appendString(v as string);
    return b.finish(type);
  }
  const out = allocVector(type, n);
  values.forEach((v, i) => {
    if (v === null) {
      (out.validity ??= new Uint8Array(n).fill(1))[i] = 0;
      return;
    }
    switch (type.kind) {
      case 'boolean': (out as BooleanVector).values[i] = v ? 1 : 0; break;
      case 'int': (out as Int32Vector).values[i] = v as number; break;
      case 'date': (out as Int32Vector).values[i] = parseDateText(v as string)!; break;
      case 'double': (out as DoubleVector).values[i] = v as number; break;
      case 'long': setExact(out as ExactVector, i, BigInt(v as number)); break;
      case 'timestamp': setExact(out as ExactVector, i, BigInt(parseTimestampText(v as string, 0)!)); break;
      case 'decimal': {
        const d = parseDecimalText(v as string)!;
        setExact(out as ExactVector, i, changePrecision(d.unscaled, d.scale, 38, type.scale)!);
        break;
      }
      default: throw new Error(`no test vectors of ${type.kind}`);
    }
  });
  return out;
}

export function valueAt(v: Vector, i: number): JsValue {
  if (v.validity !== null && v.validity[i] === 0) return null;
  switch (v.type.kind) {
    case 'boolean': return (v as BooleanVector).values[i] === 1;
    case 'int': return (v as Int32Vector).values[i];
    case 'date': return formatDateText((v as Int32Vector).values[i]);
    case 'double': return (v as DoubleVector).values[i];
    case 'long': {
      const b = exactAt(v as ExactVector, i);
      return Number.isSafeInteger(Number(b)) ? Number(b) : b;
    }
    case 'timestamp': return formatTimestampText((v as ExactVector).values[i], 0);
    case 'decimal': return formatDecimal(exactAt(v as ExactVector, i), (v.type as DecimalType).scale);
    case 'string': case 'binary': {
      const b = v as BytesVector;
      return Buffer.from(b.data.subarray(b.offsets[i], b.offsets[i + 1])).toString('utf8');
    }
    default: throw new Error(`no test values of ${v.type.kind}`);
  }
}

export function valuesOf(v: Vector, n: number): JsValue[] {
  return Array.from({ length: n }, (_, i) => valueAt(v, i));
}
