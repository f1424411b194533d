/**
 * Expression evaluation, a whole column at a time: `evaluate` walks a resolved expression (RExpr,
 * typed and coerced by the function catalog) over a ColumnBatch, each node computing one vector
 * with a kernel keyed on the call's Spark SQL name. Literals stay one-row constants (Operand m = 0)
 * and a call over constants only is computed once; nothing is built per row.
 *
 *   selectRows(condition, batch)  the rows where the condition is true (null counts as false)
 *   (takeRows, in common's columns/, then gathers those rows of every column)
 */
import {
  timeZoneOffsetSeconds, type BooleanVector, type BytesVector, type ColumnBatch, type ExactVector, type RExpr,
  type StructVector, type Vector,
} from '@tributary/common';
import { andOr, caseChoice, coalesceChoice, gatherChoice, inList, not, nullTest } from './logic';
import { arithmetic, negateOrAbs, round } from './arithmetic';
import { compare, isComparison } from './compare';
import { cast } from './cast';
import { changeCase, concat, length, substring, trim } from './strings';
import { compileLike, likeMatches, type LikePattern } from './like';
import { dateFormat, dateTrunc, dayOfWeek, hour } from './datetime';
import { getJsonObject } from './json-path';
import { allocVector, andValidity, columnOperand, constantOperand, materialize, setExact, type Operand } from './vectors';

/** What evaluation needs from the session: its time zone ('UTC' or a fixed offset '+hh:mm'). */
export interface EvalContext {
  timeZone: string;
}

interface Env {
  readonly batch: ColumnBatch;
  readonly offsetSeconds: number;
}

type Kernel = (args: readonly Operand[], call: Extract<RExpr, { kind: 'call' }>, n: number, env: Env) => Vector;

/** The column of `expr` over the batch's rows (a bare column reference returns the batch's own vector: do not mutate it). */
export function evaluate(expr: RExpr, batch: ColumnBatch, ctx: EvalContext): Vector {
  const env: Env = { batch, offsetSeconds: timeZoneOffsetSeconds(ctx.timeZone) };
  return materialize(evalOperand(expr, env), batch.count);
}

/** Indices of the rows where `condition` is true; null and false rows are left out. */
export function selectRows(condition: RExpr, batch: ColumnBatch, ctx: EvalContext): Int32Array {
  const env: Env = { batch, offsetSeconds: timeZoneOffsetSeconds(ctx.timeZone) };
  const o = evalOperand(condition, env);
  const n = batch.count;
  const v = o.m === 0 ? materialize(o, n) : o.v;
  const x = (v as BooleanVector).values;
  const val = v.validity;
  // Two passes over the bytes: count, then fill an array of exactly that size.
  let count = 0;
  if (val === null) for (let i = 0; i < n; i++) count += x[i];
  else for (let i = 0; i < n; i++) count += x[i] & val[i];
  const rows = new Int32Array(count);
  let k = 0;
  if (val === null) {
    for (let i = 0; i < n; i++) if (x[i] === 1) rows[k++] = i;
  } else {
    for (let i = 0; i < n; i++) if ((x[i] & val[i]) === 1) rows[k++] = i;
  }
  return rows;
}


function evalOperand(e: RExpr, env: Env): Operand {
  switch (e.kind) {
    case 'column': return columnOperand(env.batch.columns[e.index]);
    case 'literal': return constantOperand(literalVector(e));
    case 'field': return field(evalOperand(e.of, env), e.index, env.batch.count);
    case 'cast': {
      const a = evalOperand(e.arg, env);
      return result(a.m === 0, (n) => cast(a, e.type, env.offsetSeconds, n), env);
    }
    case 'case': {
      const conditions = e.branches.map((b) => evalOperand(b.when, env));
      const values = e.branches.map((b) => evalOperand(b.then, env));
      if (e.otherwise !== null) values.push(evalOperand(e.otherwise, env));
      return result([...conditions, ...values].every((o) => o.m === 0),
        (n) => gatherChoice(e.type, values, caseChoice(conditions, e.otherwise !== null, n), n), env);
    }
    case 'call': {
      const kernel = KERNELS[e.fn];
      if (kernel === undefined) throw new Error(`no kernel for function ${e.fn}`);
      const args = e.args.map((a) => evalOperand(a, env));
      return result(args.every((o) => o.m === 0), (n) => kernel(args, e, n, env), env);
    }
  }
}

/** Computes over one row when every input is a constant, else over the batch. */
function result(constant: boolean, compute: (n: number) => Vector, env: Env): Operand {
  return constant ? constantOperand(compute(1)) : columnOperand(compute(env.batch.count));
}

/** A struct's field: null where the struct is null or the field is. */
function field(of: Operand, index: number, n: number): Operand {
  const child = (of.v as StructVector).children[index];
  if (of.v.validity === null) return { v: child, m: of.m };
  const rows = of.m === 0 ? 1 : n;
  const validity = andValidity([{ v: of.v, m: -1 }, { v: child, m: -1 }], rows);
  return { v: { ...child, validity } as Vector, m: of.m };
}

const literalCache = new WeakMap<RExpr, Vector>();
const encoder = new TextEncoder();

/** A literal as a one-row vector (canonical text of resolved-query.ts), built once per expression node. */
function literalVector(e: Extract<RExpr, { kind: 'literal' }>): Vector {
  let v = literalCache.get(e);
  if (v !== undefined) return v;
  v = allocVector(e.type, 1);
  const text = e.value;
  if (text === null) v.validity = new Uint8Array(1);
  else {
    switch (e.type.kind) {
      case 'boolean': (v as BooleanVector).values[0] = text === 'true' ? 1 : 0; break;
      case 'int': case 'date': case 'double': (v as { values: Int32Array | Float64Array }).values[0] = Number(text); break;
      case 'long': case 'decimal': case 'timestamp': setExact(v as ExactVector, 0, BigInt(text)); break;
      case 'string': case 'binary': {
        const b = v as BytesVector;
        b.data = encoder.encode(text);
        b.offsets[1] = b.data.length;
        break;
      }
      default: throw new Error(`a ${e.type.kind} literal is not supported`);
    }
  }
  literalCache.set(e, v);
  return v;
}

const likeCache = new WeakMap<RExpr, LikePattern>();

function like(args: readonly Operand[], call: Extract<RExpr, { kind: 'call' }>, n: number): Vector {
  const patternExpr = call.args[1] as Extract<RExpr, { kind: 'literal' }>;
  const values = new Uint8Array(n);
  if (patternExpr.value === null) return { type: call.type, validity: new Uint8Array(n), values } as BooleanVector;
  let pattern = likeCache.get(call);
  if (pattern === undefined) {
    pattern = compileLike(patternExpr.value, (call.args[2] as Extract<RExpr, { kind: 'literal' }>).value!);
    likeCache.set(call, pattern);
  }
  const s = args[0].v as BytesVector;
  const m = args[0].m;
  for (let i = 0; i < n; i++) {
    const r = i & m;
    values[i] = likeMatches(pattern, s.data, s.offsets[r], s.offsets[r + 1]) ? 1 : 0;
  }
  return { type: call.type, validity: andValidity([args[0]], n), values } as BooleanVector;
}

function comparison(args: readonly Operand[], call: Extract<RExpr, { kind: 'call' }>, n: number): Vector {
  return compare(call.fn, args[0], args[1], n);
}

function arith(args: readonly Operand[], call: Extract<RExpr, { kind: 'call' }>, n: number): Vector {
  return arithmetic(call.fn, args[0], args[1], call.type, n);
}

const KERNELS: Record<string, Kernel> = {
  and: (a, c, n) => andOr('and', a[0], a[1], n),
  or: (a, c, n) => andOr('or', a[0], a[1], n),
  not: (a, c, n) => not(a[0], n),
  '+': arith, '-': arith, '*': arith, '/': arith, '%': arith,
  negative: (a, c, n) => negateOrAbs('negative', a[0], n),
  abs: (a, c, n) => negateOrAbs('abs', a[0], n),
  round: (a, c, n) => round(a[0], Number((c.args[1] as Extract<RExpr, { kind: 'literal' }>).value), c.type, n),
  isnull: (a, c, n) => nullTest('isnull', a[0], n),
  isnotnull: (a, c, n) => nullTest('isnotnull', a[0], n),
  in: (a, c, n) => inList(a[0], a.slice(1), n),
  like,
  coalesce: (a, c, n) => gatherChoice(c.type, a, coalesceChoice(a, n), n),
  lower: (a, c, n) => changeCase('lower', a[0], n),
  upper: (a, c, n) => changeCase('upper', a[0], n),
  trim: (a, c, n) => trim(a[0], n),
  substring: (a, c, n) => substring(a[0], a[1], a[2], n),
  concat: (a, c, n) => concat(a, n),
  length: (a, c, n) => length(a[0], n),
  hour: (a, c, n, env) => hour(a[0], env.offsetSeconds * 1e6, n),
  dayofweek: (a, c, n) => dayOfWeek(a[0], n),
  date_trunc: (a, c, n, env) => dateTrunc(a[0], a[1], env.offsetSeconds * 1e6, n),
  date_format: (a, c, n, env) => {
    const fmt = (c.args[1] as Extract<RExpr, { kind: 'literal' }>).value;
    if (fmt === null) return { ...allocVector(c.type, n), validity: new Uint8Array(n) } as Vector;
    return dateFormat(a[0], fmt, env.offsetSeconds * 1e6, n);
  },
  get_json_object: (a, c, n) => getJsonObject(a[0], (c.args[1] as Extract<RExpr, { kind: 'literal' }>).value, n),
};
for (const fn of ['=', '<=>', '!=', '<', '<=', '>', '>=']) if (isComparison(fn)) KERNELS[fn] = comparison;
