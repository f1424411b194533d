/**
 * Boolean logic and null handling: and, or, not (SQL three-valued logic, predicates.scala),
 * isnull, isnotnull, in (null when no element matches and the value or an element is null, as
 * In.eval), coalesce (the first non-null argument) and case (the first branch whose condition is
 * true; null conditions count as false).
 */
import type { BooleanVector, BytesVector, ExactVector, SqlType, Vector } from '@tributary/common';
import { compare } from './compare';
import { allocVector, allValid, BytesBuilder, type Operand } from './vectors';

const BOOLEAN: SqlType = { kind: 'boolean' };

/** `and` / `or`: false (resp. true) wins over null; otherwise null when either side is null. */
export function andOr(fn: 'and' | 'or', a: Operand, b: Operand, n: number): BooleanVector {
  const x = (a.v as BooleanVector).values;
  const y = (b.v as BooleanVector).values;
  const vx = a.v.validity;
  const vy = b.v.validity;
  const ma = a.m;
  const mb = b.m;
  const values = new Uint8Array(n);
  const isAnd = fn === 'and';
  if (vx === null && vy === null) {
    if (isAnd) for (let i = 0; i < n; i++) values[i] = x[i & ma] & y[i & mb];
    else for (let i = 0; i < n; i++) values[i] = x[i & ma] | y[i & mb];
    return { type: BOOLEAN as BooleanVector['type'], validity: null, values };
  }
  const validity = new Uint8Array(n);
  const dominant = isAnd ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const pa = vx === null ? 1 : vx[i & ma];
    const pb = vy === null ? 1 : vy[i & mb];
    const p = x[i & ma];
    const q = y[i & mb];
    if ((pa === 1 && p === dominant) || (pb === 1 && q === dominant)) {
      values[i] = dominant;
      validity[i] = 1;
    } else if (pa === 1 && pb === 1) {
      values[i] = 1 - dominant;
      validity[i] = 1;
    }
  }
  return { type: BOOLEAN as BooleanVector['type'], validity, values };
}

export function not(a: Operand, n: number): BooleanVector {
  const x = (a.v as BooleanVector).values;
  const values = new Uint8Array(n);
  for (let i = 0; i < n; i++) values[i] = x[i & a.m] ^ 1;
  return { type: BOOLEAN as BooleanVector['type'], validity: expandValidity(a, n), values };
}

export function nullTest(fn: 'isnull' | 'isnotnull', a: Operand, n: number): BooleanVector {
  const values = new Uint8Array(n);
  const val = a.v.validity;
  const want = fn === 'isnull' ? 0 : 1;
  if (val === null) values.fill(want); // every row is valid: isnotnull true, isnull false
  else for (let i = 0; i < n; i++) values[i] = val[i & a.m] === want ? 1 : 0;
  return { type: BOOLEAN as BooleanVector['type'], validity: null, values };
}

/** value IN (list…): true if equal to an element; else null if the value or an element is null; else false. */
export function inList(value: Operand, list: readonly Operand[], n: number): BooleanVector {
  const found = new Uint8Array(n);
  const unknown = new Uint8Array(n); // a null took part
  for (const item of list) {
    const eq = compare('=', value, item, n);
    const ev = eq.values;
    const val = eq.validity;
    for (let i = 0; i < n; i++) {
      if (val !== null && val[i] === 0) unknown[i] = 1;
      else found[i] |= ev[i];
    }
  }
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (found[i] === 0 && unknown[i] === 1) (validity ??= allValid(n))[i] = 0;
  }
  return { type: BOOLEAN as BooleanVector['type'], validity, values: found };
}

/** For each row, which source it takes (−1: null); `done` rows are decided. */
export function coalesceChoice(args: readonly Operand[], n: number): Int32Array {
  const choice = new Int32Array(n).fill(-1);
  for (let k = args.length - 1; k >= 0; k--) {
    const val = args[k].v.validity;
    const m = args[k].m;
    if (val === null) choice.fill(k);
    else for (let i = 0; i < n; i++) if (val[i & m] === 1) choice[i] = k;
  }
  return choice;
}

/** Choice of CASE: branch k where its condition is the first true one, else the ELSE source (index `conditions.length`) or −1. */
export function caseChoice(conditions: readonly Operand[], hasElse: boolean, n: number): Int32Array {
  const choice = new Int32Array(n).fill(hasElse ? conditions.length : -1);
  for (let k = conditions.length - 1; k >= 0; k--) {
    const c = conditions[k];
    const x = (c.v as BooleanVector).values;
    const val = c.v.validity;
    const m = c.m;
    for (let i = 0; i < n; i++) if (x[i & m] === 1 && (val === null || val[i & m] === 1)) choice[i] = k;
  }
  return choice;
}

/** Row i of the result is row i of source choice[i] (null when −1 or when that source's row is null). */
export function gatherChoice(type: SqlType, sources: readonly Operand[], choice: Int32Array, n: number): Vector {
  const out = allocVector(type, n);
  let validity: Uint8Array | null = null;
  const nullAt = (i: number) => { (validity ??= allValid(n))[i] = 0; };
  const srcValid = (k: number, i: number) => {
    const s = sources[k];
    return s.v.validity === null || s.v.validity[i & s.m] === 1;
  };
  switch (type.kind) {
    case 'boolean': case 'int': case 'date': case 'double': case 'long': case 'decimal': case 'timestamp': {
      const dst = (out as { values: Uint8Array | Int32Array | Float64Array }).values;
      const srcs = sources.map((s) => (s.v as { values: Uint8Array | Int32Array | Float64Array }).values);
      const exact = type.kind === 'long' || type.kind === 'decimal' || type.kind === 'timestamp';
      for (let i = 0; i < n; i++) {
        const k = choice[i];
        if (k < 0 || !srcValid(k, i)) { nullAt(i); continue; }
        const r = i & sources[k].m;
        const x = srcs[k][r];
        dst[i] = x;
        if (exact && x !== x) {
          const o = out as ExactVector;
          (o.wide ??= new Map()).set(i, (sources[k].v as ExactVector).wide!.get(r)!);
        }
      }
      break;
    }
    case 'string': case 'binary': {
      const b = new BytesBuilder(n);
      for (let i = 0; i < n; i++) {
        const k = choice[i];
        if (k < 0 || !srcValid(k, i)) { b.appendNull(); continue; }
        const s = sources[k].v as BytesVector;
        const r = i & sources[k].m;
        b.appendBytes(s.data, s.offsets[r], s.offsets[r + 1]);
      }
      return b.finish(type);
    }
    case 'struct': {
      const kids = type.fields.map((f, j) => gatherChoice(
        f.type,
        sources.map((s) => ({ v: (s.v as Extract<Vector, { children: Vector[] }>).children[j], m: s.m })),
        choice,
        n,
      ));
      for (let i = 0; i < n; i++) if (choice[i] < 0 || !srcValid(choice[i], i)) nullAt(i);
      return { type, validity, children: kids };
    }
    default:
      throw new Error(`case/coalesce over ${type.kind} values is not supported`);
  }
  out.validity = validity;
  return out;
}

function expandValidity(a: Operand, n: number): Uint8Array | null {
  const val = a.v.validity;
  if (val === null) return null;
  if (a.m === -1) return val;
  return new Uint8Array(n).fill(val[0]);
}
