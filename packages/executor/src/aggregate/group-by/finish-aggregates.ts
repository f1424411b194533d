/**
 * The aggregates whose output is not their state column, finished from their parts' state columns
 * (group-layout.ts) for the rows being emitted:
 *
 *   avg(int|long)      double: the exact sum (decimal(38,0)) as a double, divided by the count.
 *                      Spark sums doubles; the exact sum is rounded once, so large longs average
 *                      better. Null when the count is 0.
 *   avg(double)        double: sum / count (Spark's), null when the count is 0.
 *   avg(decimal(p,s))  decimal(P', S') = (min(38,p+4), min(38,s+4)): the exact quotient
 *                      sum·10^(S'−s) / count rounded HALF_UP at S' (Spark's Average: Decimal division
 *                      truncates at scale 39, then toPrecision rounds HALF_UP, which equals one
 *                      HALF_UP rounding of the exact quotient). |result| ≥ 10^P' fails the query
 *                      naming the window and key (DecimalOverflowError), where Spark gives null.
 *   approx_count_distinct   bigint not null: the HyperLogLog++ estimate of the registers.
 *
 * Decimal averages divide as BigInt per emitted group (not per input row) unless sum and count are
 * small enough for exact double arithmetic.
 */
import { BytesVector, ExactVector, Vector, exactBigInt } from '@tributary/common';
import { DecimalOverflowError } from '../errors';
import { AggregateLayout } from './group-layout';
import { estimate } from './hyperloglog';

/** Describes state row i (window and keys), for error messages. */
export type DescribeRow = (i: number) => string;

export function finishAggregate(a: AggregateLayout, parts: readonly Vector[], count: number, describe: DescribeRow): Vector {
  if (a.fn === 'avg') return finishAvg(a, parts[0], parts[1] as ExactVector, count, describe);
  if (a.fn === 'approx_count_distinct') return finishSketch(a, parts[0] as BytesVector, count);
  return parts[0];
}

function finishAvg(a: AggregateLayout, sum: Vector, counts: ExactVector, count: number, describe: DescribeRow): Vector {
  const out = a.outputField.type;
  let validity: Uint8Array | null = null;
  const nullAt = (i: number): void => {
    validity ??= new Uint8Array(count).fill(1);
    validity[i] = 0;
  };
  const values = new Float64Array(count);
  if (out.kind === 'double') {
    const s = sum as ExactVector | { values: Float64Array; validity: Uint8Array | null; type: { kind: 'double' } };
    for (let i = 0; i < count; i++) {
      const c = counts.values[i];
      if (c === 0) {
        nullAt(i);
        continue;
      }
      const x = s.values[i];
      values[i] = (x === x || s.type.kind === 'double' ? x : Number(exactBigInt(s as ExactVector, i))) / c;
    }
    return { type: out, validity, values };
  }
  if (out.kind !== 'decimal' || sum.type.kind !== 'decimal') throw new RangeError(`avg to ${out.kind} from ${sum.type.kind}`);
  const s = sum as ExactVector;
  const shift = out.scale - sum.type.scale;
  const scaleUp = 10 ** shift;
  const bigScaleUp = 10n ** BigInt(shift);
  const limit = 10n ** BigInt(out.precision);
  const limitNumber = 10 ** out.precision;
  let wide: Map<number, bigint> | null = null;
  for (let i = 0; i < count; i++) {
    const c = counts.values[i];
    if (c === 0) {
      nullAt(i);
      continue;
    }
    const x = s.values[i];
    const a0 = x * scaleUp;
    if (x === x && Math.abs(a0) < 2 ** 52 && c < 2 ** 52) {
      // exact: a0 = x·10^shift is exact below 2^52, and q·c ≤ |a0| + c < 2^53, so the remainder is too
      const q = Math.trunc(a0 / c);
      let r = a0 - q * c;
      let quotient = q;
      // a0/c may have rounded q up by one in floating point: keep |r| < c with r of a0's sign
      if (r !== 0 && Math.sign(r) !== Math.sign(a0)) {
        quotient -= Math.sign(a0);
        r += Math.sign(a0) * c;
      }
      if (2 * Math.abs(r) >= c) quotient += a0 < 0 ? -1 : 1;
      if (Math.abs(quotient) < limitNumber) {
        values[i] = quotient === 0 ? 0 : quotient;
        continue;
      }
    }
    const n = (x === x ? BigInt(x) : exactBigInt(s, i)) * bigScaleUp;
    const bc = BigInt(c);
    let q = n / bc; // truncates toward zero
    const r = n - q * bc;
    if (2n * (r < 0n ? -r : r) >= bc) q += n < 0n ? -1n : 1n;
    if (q >= limit || q <= -limit) {
      throw new DecimalOverflowError(`${a.parts[0].label} overflows decimal(${out.precision},${out.scale}) for ${describe(i)}: the average ${q} (unscaled) is beyond ±(10^${out.precision} − 1)`);
    }
    if (q < 2n ** 53n && q > -(2n ** 53n)) values[i] = Number(q);
    else {
      values[i] = NaN;
      (wide ??= new Map()).set(i, q);
    }
  }
  return { type: out, validity, values, wide };
}

function finishSketch(a: AggregateLayout, registers: BytesVector, count: number): Vector {
  const p = a.parts[0].precision;
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = estimate(registers.data, registers.offsets[i], p);
  return { type: { kind: 'long' }, validity: null, values, wide: null };
}
