/**
 * Arithmetic kernels: + - * / % negative abs round (Spark's arithmetic.scala, mathExpressions.scala
 * and Decimal.scala, spark.sql.ansi.enabled=false).
 *
 *   int, bigint   + - * % wrap around on overflow as Java does; % by zero is null. (/ is never
 *                 integral: the catalog makes it double or decimal division.)
 *   double        IEEE arithmetic; / and % by zero are null (Spark's Divide/Remainder), not ±Infinity.
 *   decimal       exact: + and − exact, then fitted to the call's type; * / % go through Java's
 *                 MathContext(38, HALF_UP) first (Decimal.scala), then are fitted to the call's type
 *                 with HALF_UP. A result that does not fit the type's precision is null (Spark's
 *                 non-ANSI CheckOverflow / toPrecision with nullOnOverflow). Division by zero is null.
 *
 * Numbers are used while they are provably exact (integers below 2^53 and no rounding needed);
 * otherwise the row is computed with bigint.
 */
import {
  changePrecision, divideDecimal38, divPow10HalfUp, parseDecimalText, pow10n, roundSignificant,
  type DecimalType, type DoubleVector, type ExactVector, type Int32Vector, type SqlType, type Vector,
} from '@tributary/common';
import { allocVector, andValidity, allValid, exactAt, isSafe, setExact, type Operand } from './vectors';

export function arithmetic(fn: string, a: Operand, b: Operand, type: SqlType, n: number): Vector {
  const out = allocVector(type, n);
  out.validity = andValidity([a, b], n);
  switch (a.v.type.kind) {
    case 'int': intOp(fn, (a.v as Int32Vector).values, a.m, (b.v as Int32Vector).values, b.m, out as Int32Vector, n); break;
    case 'long': longOp(fn, a, b, out as ExactVector, n); break;
    case 'double': doubleOp(fn, (a.v as DoubleVector).values, a.m, (b.v as DoubleVector).values, b.m, out as DoubleVector, n); break;
    case 'decimal': decimalOp(fn, a, b, out as ExactVector, n); break;
    default: throw new Error(`arithmetic over ${a.v.type.kind} values is not supported`);
  }
  return out;
}

function nullRow(out: Vector, i: number, n: number): void {
  (out.validity ??= allValid(n))[i] = 0;
}

function intOp(fn: string, x: Int32Array, mx: number, y: Int32Array, my: number, out: Int32Vector, n: number): void {
  const r = out.values;
  switch (fn) {
    case '+': for (let i = 0; i < n; i++) r[i] = (x[i & mx] + y[i & my]) | 0; break;
    case '-': for (let i = 0; i < n; i++) r[i] = (x[i & mx] - y[i & my]) | 0; break;
    case '*': for (let i = 0; i < n; i++) r[i] = Math.imul(x[i & mx], y[i & my]); break;
    case '%':
      for (let i = 0; i < n; i++) {
        const q = y[i & my];
        if (q === 0) nullRow(out, i, n);
        else r[i] = x[i & mx] % q;
      }
      break;
    default: throw new Error(`int ${fn} is not supported`);
  }
}

function longOp(fn: string, a: Operand, b: Operand, out: ExactVector, n: number): void {
  const x = (a.v as ExactVector).values;
  const y = (b.v as ExactVector).values;
  const ma = a.m;
  const mb = b.m;
  const r = out.values;
  const valid = (i: number) => out.validity === null || out.validity[i] === 1;
  for (let i = 0; i < n; i++) {
    const p = x[i & ma];
    const q = y[i & mb];
    if (fn === '%' && q === 0) { nullRow(out, i, n); continue; }
    if (p === p && q === q) {
      const v = fn === '+' ? p + q : fn === '-' ? p - q : fn === '*' ? p * q : p % q;
      if (isSafe(v)) { r[i] = v + 0; continue; }
    }
    if (!valid(i)) continue;
    const bp = exactAt(a.v as ExactVector, i & ma);
    const bq = exactAt(b.v as ExactVector, i & mb);
    const v = fn === '+' ? bp + bq : fn === '-' ? bp - bq : fn === '*' ? bp * bq : bp % bq;
    setExact(out, i, BigInt.asIntN(64, v));
  }
}

function doubleOp(fn: string, x: Float64Array, mx: number, y: Float64Array, my: number, out: DoubleVector, n: number): void {
  const r = out.values;
  switch (fn) {
    case '+': for (let i = 0; i < n; i++) r[i] = x[i & mx] + y[i & my]; break;
    case '-': for (let i = 0; i < n; i++) r[i] = x[i & mx] - y[i & my]; break;
    case '*': for (let i = 0; i < n; i++) r[i] = x[i & mx] * y[i & my]; break;
    case '/': case '%':
      for (let i = 0; i < n; i++) {
        const q = y[i & my];
        if (q === 0) nullRow(out, i, n);
        else r[i] = fn === '/' ? x[i & mx] / q : x[i & mx] % q;
      }
      break;
    default: throw new Error(`double ${fn} is not supported`);
  }
}

const POW10 = Array.from({ length: 39 }, (_, k) => 10 ** k); // exact for k ≤ 22

function decimalOp(fn: string, a: Operand, b: Operand, out: ExactVector, n: number): void {
  const ta = a.v.type as DecimalType;
  const tb = b.v.type as DecimalType;
  const { precision: p, scale: s } = out.type as DecimalType;
  const x = (a.v as ExactVector).values;
  const y = (b.v as ExactVector).values;
  const ma = a.m;
  const mb = b.m;
  const r = out.values;
  const limit = POW10[p]; // values below 2^53 are compared exactly against it (10^p > 2^53 for p ≥ 16)
  // Common scale of + − %, and the number factors that bring each side to it (Infinity: use bigint).
  const common = Math.max(ta.scale, tb.scale);
  const fa = common - ta.scale <= 15 ? POW10[common - ta.scale] : Infinity;
  const fb = common - tb.scale <= 15 ? POW10[common - tb.scale] : Infinity;
  const numberPath = fn === '*' ? s === ta.scale + tb.scale : fn === '/' ? false : s === common;
  for (let i = 0; i < n; i++) {
    if (out.validity !== null && out.validity[i] === 0) continue;
    const pv = x[i & ma];
    const qv = y[i & mb];
    if ((fn === '/' || fn === '%') && qv === 0) { nullRow(out, i, n); continue; }
    if (numberPath && pv === pv && qv === qv) {
      let v = NaN;
      if (fn === '*') v = pv * qv;
      else {
        const u = pv * fa;
        const w = qv * fb;
        if (isSafe(u) && isSafe(w)) v = fn === '+' ? u + w : fn === '-' ? u - w : u % w;
      }
      if (isSafe(v)) {
        if (v >= limit || v <= -limit) nullRow(out, i, n);
        else r[i] = v + 0;
        continue;
      }
    }
    const bp = exactAt(a.v as ExactVector, i & ma);
    const bq = exactAt(b.v as ExactVector, i & mb);
    let exact: { unscaled: bigint; scale: number };
    switch (fn) {
      case '+': case '-': {
        const u = bp * pow10n(common - ta.scale);
        const w = bq * pow10n(common - tb.scale);
        exact = { unscaled: fn === '+' ? u + w : u - w, scale: common };
        break;
      }
      case '*': exact = roundSignificant(bp * bq, ta.scale + tb.scale); break;
      case '/': exact = divideDecimal38(bp, ta.scale, bq, tb.scale); break;
      default: exact = { unscaled: (bp * pow10n(common - ta.scale)) % (bq * pow10n(common - tb.scale)), scale: common };
    }
    const v = changePrecision(exact.unscaled, exact.scale, p, s);
    if (v === null) nullRow(out, i, n);
    else setExact(out, i, v);
  }
}

/** -x (negative) and abs(x): same type; integral minimum values wrap to themselves, as Java. */
export function negateOrAbs(fn: 'negative' | 'abs', a: Operand, n: number): Vector {
  const out = allocVector(a.v.type, n);
  out.validity = andValidity([a], n);
  const m = a.m;
  switch (a.v.type.kind) {
    case 'int': {
      const x = (a.v as Int32Vector).values;
      const r = (out as Int32Vector).values;
      if (fn === 'negative') for (let i = 0; i < n; i++) r[i] = -x[i & m] | 0;
      else for (let i = 0; i < n; i++) r[i] = Math.abs(x[i & m]) | 0;
      break;
    }
    case 'double': {
      const x = (a.v as DoubleVector).values;
      const r = (out as DoubleVector).values;
      if (fn === 'negative') for (let i = 0; i < n; i++) r[i] = -x[i & m];
      else for (let i = 0; i < n; i++) r[i] = Math.abs(x[i & m]);
      break;
    }
    case 'long': case 'decimal': {
      const src = a.v as ExactVector;
      const o = out as ExactVector;
      const wrap = a.v.type.kind === 'long';
      for (let i = 0; i < n; i++) {
        const x = src.values[i & m];
        if (x === x) o.values[i] = (fn === 'negative' ? -x : Math.abs(x)) + 0;
        else {
          const w = exactAt(src, i & m);
          const v = fn === 'negative' || w < 0n ? -w : w;
          setExact(o, i, wrap ? BigInt.asIntN(64, v) : v);
        }
      }
      break;
    }
    default: throw new Error(`${fn} of ${a.v.type.kind} values is not supported`);
  }
  return out;
}

/**
 * round(x, d), HALF_UP (RoundBase): doubles through their shortest decimal text, as Scala's
 * BigDecimal(d: Double) reads them (so round(2.675, 2) is 2.68), NaN and ±Infinity unchanged;
 * integers unchanged for d ≥ 0, else rounded to 10^−d and wrapped to the type; decimals fitted to
 * the call's type (null when they no longer fit).
 */
/** v / 10^digits rounded HALF_UP; 0 when more digits are dropped than any value has. */
function dropDigitsHalfUp(v: bigint, digits: number): bigint {
  return digits > 80 ? 0n : divPow10HalfUp(v, digits);
}

export function round(a: Operand, d: number, type: SqlType, n: number): Vector {
  const out = allocVector(type, n);
  out.validity = andValidity([a], n);
  const m = a.m;
  const valid = (i: number) => out.validity === null || out.validity[i] === 1;
  switch (a.v.type.kind) {
    case 'double': {
      const x = (a.v as DoubleVector).values;
      const r = (out as DoubleVector).values;
      for (let i = 0; i < n; i++) {
        const v = x[i & m];
        if (!Number.isFinite(v) || !valid(i)) { r[i] = v; continue; }
        const t = parseDecimalText(String(v)); // per row: the double's shortest decimal text
        if (t === null || d >= t.scale) { r[i] = v; continue; }
        r[i] = Number(`${dropDigitsHalfUp(t.unscaled, t.scale - d)}e${-d}`);
      }
      break;
    }
    case 'int': case 'long': {
      const bits = a.v.type.kind === 'int' ? 32 : 64;
      for (let i = 0; i < n; i++) {
        if (!valid(i)) continue;
        const v = a.v.type.kind === 'int' ? BigInt((a.v as Int32Vector).values[i & m]) : exactAt(a.v as ExactVector, i & m);
        const rounded = d >= 0 ? v : BigInt.asIntN(bits, -d > 40 ? 0n : dropDigitsHalfUp(v, -d) * pow10n(-d));
        if (bits === 32) (out as Int32Vector).values[i] = Number(rounded);
        else setExact(out as ExactVector, i, rounded);
      }
      break;
    }
    case 'decimal': {
      const from = a.v.type as DecimalType;
      const to = type as DecimalType;
      const dd = Math.max(d, -40); // rounding to 10^40 gives 0 for every decimal, as any coarser unit does
      for (let i = 0; i < n; i++) {
        if (!valid(i)) continue;
        const v = exactAt(a.v as ExactVector, i & m);
        const atD = dd >= from.scale ? v : dropDigitsHalfUp(v, from.scale - dd);
        const atScale = dd >= from.scale ? from.scale : dd;
        const fitted = changePrecision(atD, atScale, to.precision, to.scale);
        if (fitted === null) nullRow(out, i, n);
        else setExact(out as ExactVector, i, fitted);
      }
      break;
    }
    default: throw new Error(`round of ${a.v.type.kind} values is not supported`);
  }
  return out;
}
