/**
 * The struct decoder against an independent oracle, on generated schemas and generated JSON for
 * them (valid values, edge values, wrong types, nulls, absent fields, duplicates, unknown fields,
 * whitespace). The oracle reads the JSON with JSON.parse — number tokens first wrapped as marked
 * strings so their exact text survives — and applies the from_json rules of decode/README.md with
 * BigInt arithmetic, regular expressions and Date.UTC, sharing no code with the decoder.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ScanSpec } from '../plan/resolved-query';
import {
  arrayType, BOOLEAN, DATE, decimalType, DOUBLE, INT, LONG, sqlField, STRING, structType, TIMESTAMP,
  type SqlField, type SqlType,
} from '../schema/sql-type';
import type { BadReason } from './bad-reason';
import { rowsOf, type Plain } from './column-rows-fixture';
import { chunkOf } from './record-chunk-fixture';
import { createStructDecoder } from './struct-decoder';

// ---------------------------------------------------------------- the oracle

const MARK = '\u0000\u0001#';

/** Wraps every number token outside strings as a marked string, so JSON.parse keeps its text. */
function markNumbers(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      out += c;
      if (c === '\\') out += json[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < json.length && /[0-9eE+\-.]/.test(json[j])) j++;
      out += JSON.stringify(MARK + json.slice(i, j));
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

const isNumberToken = (v: unknown): v is string => typeof v === 'string' && v.startsWith(MARK);
const tokenText = (v: string) => v.slice(MARK.length);

/** The compact JSON text of a parsed value, numbers as written. */
function compactText(v: unknown): string {
  if (isNumberToken(v)) return tokenText(v);
  if (Array.isArray(v)) return '[' + v.map(compactText).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + compactText(x)).join(',') + '}';
  }
  return JSON.stringify(v);
}

class Problem {
  constructor(readonly reason: BadReason, readonly path: string) {}
}

const JSON_NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** An exact number token: sign * mantissa * 10^exp, and whether it is an integer token. */
function exactOf(text: string): { m: bigint; exp: number; isInt: boolean } {
  const g = JSON_NUMBER.exec(text)!;
  const frac = g[3] ?? '';
  let m = BigInt(g[2] + frac);
  if (g[1] === '-') m = -m;
  return { m, exp: Number(g[4] ?? 0) - frac.length, isInt: g[3] === undefined && g[4] === undefined };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function decimalOracle(text: string, p: number, s: number, path: string): bigint {
  let { m, exp } = exactOf(text);
  if (m === 0n) return 0n;
  while (m % 10n === 0n) {
    m /= 10n;
    exp++;
  }
  const digits = (m < 0n ? -m : m).toString().length;
  if (digits + exp > p - s) throw new Problem('DECIMAL_PRECISION', path);
  if (exp < -s) throw new Problem('DECIMAL_SCALE', path);
  return m * 10n ** BigInt(exp + s);
}

const TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function utcMs(y: number, mo: number, d: number): number | null {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date.getTime() : null;
}

function timestampOracle(text: string, zoneSeconds: number): bigint | null {
  const g = TS.exec(text);
  if (g === null) return null;
  const [y, mo, d, h, mi, se] = g.slice(1, 7).map(Number);
  const day = utcMs(y, mo, d);
  if (day === null || h > 23 || mi > 59 || se > 59) return null;
  let offset = zoneSeconds;
  if (g[8] !== undefined && g[8] !== 'Z') {
    const oh = Number(g[8].slice(1, 3));
    const om = g[8].length > 3 ? Number(g[8].slice(-2)) : 0;
    if (om > 59 || oh * 3600 + om * 60 > 18 * 3600) return null;
    offset = (g[8][0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else if (g[8] === 'Z') offset = 0;
  const micros = BigInt((g[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  const us = BigInt(day) * 1000n + BigInt(h * 3600 + mi * 60 + se - offset) * 1_000_000n + micros;
  return us > MAX_SAFE || us < -MAX_SAFE ? null : us;
}

const DATE_FORM = /^([+-]?)(\d{4,7})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T][\s\S]*)?)?)?$/;

function dateOracle(text: string): number | null {
  const g = DATE_FORM.exec(text.replace(/^[\t\n\u000b\f\r\u001c-\u001f ]+|[\t\n\u000b\f\r\u001c-\u001f ]+$/g, ''));
  if (g === null) return null;
  const ms = utcMs((g[1] === '-' ? -1 : 1) * Number(g[2]), Number(g[3] ?? 1), Number(g[4] ?? 1));
  return ms === null ? null : ms / 86_400_000;
}

const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '+Infinity': Infinity, '+INF': Infinity, '-Infinity': -Infinity, '-INF': -Infinity };

/** What the decoder must make of a parsed JSON value for a type (never null here). */
function oracle(type: SqlType, v: unknown, path: string, zoneSeconds: number): Plain {
  const wrong = () => new Problem('WRONG_TYPE', path);
  switch (type.kind) {
    case 'boolean':
      if (typeof v !== 'boolean') throw wrong();
      return v;
    case 'int':
    case 'long': {
      if (!isNumberToken(v)) throw wrong();
      const e = exactOf(tokenText(v));
      if (!e.isInt) throw wrong();
      const bits = type.kind === 'int' ? 31n : 63n;
      if (e.m < -(2n ** bits) || e.m >= 2n ** bits) throw new Problem('INT_RANGE', path);
      return type.kind === 'int' ? Number(e.m) : e.m;
    }
    case 'double': {
      if (isNumberToken(v)) {
        const e = exactOf(tokenText(v));
        return e.isInt && e.m === 0n ? 0 : Number(tokenText(v));
      }
      if (typeof v === 'string' && v in SPECIAL_DOUBLES) return SPECIAL_DOUBLES[v];
      throw wrong();
    }
    case 'decimal': {
      const text = isNumberToken(v) ? tokenText(v) : typeof v === 'string' && JSON_NUMBER.test(v) ? v : null;
      if (text === null) throw wrong();
      return decimalOracle(text, type.precision, type.scale, path);
    }
    case 'timestamp': {
      if (isNumberToken(v)) {
        const e = exactOf(tokenText(v));
        if (!e.isInt) throw wrong();
        const us = e.m * 1_000_000n;
        if (us > MAX_SAFE || us < -MAX_SAFE) throw new Problem('BAD_TIMESTAMP', path);
        return us;
      }
      if (typeof v !== 'string') throw wrong();
      const us = timestampOracle(v, zoneSeconds);
      if (us === null) throw new Problem('BAD_TIMESTAMP', path);
      return us;
    }
    case 'date': {
      if (typeof v !== 'string' || isNumberToken(v)) throw wrong();
      const days = dateOracle(v);
      if (days === null || days < -(2 ** 31) || days >= 2 ** 31) throw new Problem('BAD_DATE', path);
      return days;
    }
    case 'string':
      return typeof v === 'string' && !isNumberToken(v) ? v : compactText(v);
    case 'binary':
      throw new Error('not generated');
    case 'struct': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw wrong();
      const o = v as Record<string, unknown>;
      const out: { [k: string]: Plain } = {};
      for (const f of type.fields) {
        const p = path === '' ? f.name : `${path}.${f.name}`;
        const x = Object.prototype.hasOwnProperty.call(o, f.name) ? o[f.name] : undefined;
        if (x === undefined || x === null) {
          if (!f.nullable) throw new Problem(x === undefined ? 'MISSING_FIELD' : 'NULL_FIELD', p);
          out[f.name] = null;
        } else {
          out[f.name] = oracle(f.type, x, p, zoneSeconds);
        }
      }
      return out;
    }
    case 'array': {
      if (!Array.isArray(v)) throw wrong();
      return v.map((x, i) => {
        const p = `${path}[${i}]`;
        if (x === null) {
          if (!type.containsNull) throw new Problem('NULL_FIELD', p);
          return null;
        }
        return oracle(type.element, x, p, zoneSeconds);
      });
    }
  }
}

// ---------------------------------------------------------------- generators

const ws = fc.constantFrom('', '', ' ', '\n\t ');
const NAMES = ['a', 'b', 'id', 'é', 'A', 'amount'];

const leafType: fc.Arbitrary<SqlType> = fc.oneof(
  fc.constantFrom(BOOLEAN, INT, LONG, DOUBLE, STRING, TIMESTAMP, DATE),
  fc.integer({ min: 1, max: 38 }).chain((p) => fc.integer({ min: 0, max: p }).map((s) => decimalType(p, s))),
);

const typeArb: fc.Arbitrary<SqlType> = fc.letrec<{ type: SqlType; struct: SqlType }>((tie) => ({
  type: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafType, leafType, tie('struct'), fc.tuple(tie('type'), fc.boolean()).map(([e, n]) => arrayType(e, n))),
  struct: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie('type'), fc.boolean()), { minLength: 1, maxLength: 4, selector: (f) => f[0] })
    .map((fs) => structType(fs.map(([n, t, nullable]) => sqlField(n, t, nullable)))),
})).struct;

const digitsArb = (max: number) => fc.bigInt({ min: 0n, max: 10n ** BigInt(max) - 1n });
/** A text form of m * 10^-k: plain, with trailing zeros, or with an exponent. */
function numberForms(m: bigint, k: number): fc.Arbitrary<string> {
  const neg = m < 0n;
  const abs = (neg ? -m : m).toString().padStart(k + 1, '0');
  const plain = (neg ? '-' : '') + (k === 0 ? abs : `${abs.slice(0, abs.length - k)}.${abs.slice(abs.length - k)}`);
  return fc.oneof(
    fc.constant(plain),
    fc.integer({ min: 1, max: 3 }).map((z) => (k === 0 ? `${plain}.${'0'.repeat(z)}` : plain + '0'.repeat(z))),
    fc.constant(`${neg ? '-' : ''}${(neg ? -m : m).toString()}e-${k}`),
    fc.constant(`${neg ? '-' : ''}${(neg ? -m : m).toString()}E${k === 0 ? '+0' : -k}`),
  );
}

const OTHER = fc.constantFrom('true', 'false', '"x"', '{}', '[]', '12', '1.5', '-0', '{"k": [1, "a b", {}]}', '[1.50 , -0, 2e5]', '"2024-01-01"');

function scalarText(t: SqlType): fc.Arbitrary<string> {
  switch (t.kind) {
    case 'boolean':
      return fc.constantFrom('true', 'false');
    case 'int':
      return fc.bigInt({ min: -(2n ** 32n), max: 2n ** 32n }).map(String);
    case 'long':
      return fc.oneof(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String), fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }).map(String));
    case 'double':
      return fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? '-0.0' : String(d))),
        fc.constantFrom('"NaN"', '"Infinity"', '"-INF"', '"+INF"', '"nan"', '1e400', '-0', '123456789012345678901', '0.1e-330'),
      );
    case 'decimal':
      return fc
        .tuple(digitsArb(Math.min(t.precision + 1, 39)), fc.boolean(), fc.integer({ min: 0, max: t.scale + 1 }), fc.boolean())
        .chain(([m, neg, k, quoted]) => numberForms(neg ? -m : m, k).map((s) => (quoted ? `"${s}"` : s)));
    case 'timestamp':
      return fc.oneof(
        fc
          .tuple(
            fc.integer({ min: 1690, max: 2250 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 31 }),
            fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }),
            fc.constantFrom('', '.5', '.123456', '.1234567891', '.'), fc.constantFrom('', 'Z', '+01:00', '-0530', '+18:00', '+19', '-03'),
            fc.constantFrom('T', ' '),
          )
          .map(([y, mo, d, h, mi, s, frac, off, sep]) => {
            const p2 = (n: number) => String(n).padStart(2, '0');
            return `"${y}-${p2(mo)}-${p2(d)}${sep}${p2(h)}:${p2(mi)}:${p2(s)}${frac}${off}"`;
          }),
        fc.integer({ min: -9_000_000_000, max: 9_000_000_000 }).map(String),
        fc.constantFrom('1.5', '1e3', '99999999999'),
      );
    case 'date':
      return fc
        .tuple(
          fc.constantFrom('', '+', '-'), fc.integer({ min: 100, max: 200000 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 31 }),
          fc.constantFrom('', '', 'T10:00', ' x', 'x', '-'), fc.integer({ min: 0, max: 3 }), fc.boolean(),
        )
        .map(([sign, y, mo, d, tail, parts, pad]) => {
          const ys = String(y).padStart(4, '0');
          const body = (parts === 0 ? ys : parts === 1 ? `${ys}-${mo}` : `${ys}-${String(mo).padStart(2, '0')}-${d}`) + tail;
          return JSON.stringify((pad ? ' ' : '') + sign + body);
        });
    case 'string':
      return fc.string({ maxLength: 8, unit: 'binary' }).filter((s) => !s.includes('\u0000') && !/[\ud800-\udfff]/.test(s)).map((s) => JSON.stringify(s));
    default:
      throw new Error(`no scalar ${t.kind}`);
  }
}

/** JSON text for a value of type t: mostly of the type, sometimes null or another JSON value. */
function valueText(t: SqlType, depth: number): fc.Arbitrary<string> {
  let own: fc.Arbitrary<string>;
  if (t.kind === 'struct') own = objectText(t.fields, depth);
  else if (t.kind === 'array') {
    own = fc
      .array(fc.tuple(ws, valueText(t.element, depth + 1), ws), { maxLength: 4 })
      .map((els) => '[' + els.map(([a, v, b]) => a + v + b).join(',') + ']');
  } else own = scalarText(t);
  return fc.oneof({ arbitrary: own, weight: 8 }, { arbitrary: fc.constant('null'), weight: 1 }, { arbitrary: OTHER, weight: 1 });
}

function objectText(fields: readonly SqlField[], depth: number): fc.Arbitrary<string> {
  const entries = fields.map((f) =>
    fc.array(valueText(f.type, depth + 1), { minLength: 0, maxLength: 2 }).map((vs) => vs.map((v) => [f.name, v] as const)),
  );
  const unknown = fc.array(fc.tuple(fc.constantFrom('zz', 'Id', 'x y'), OTHER), { maxLength: 2 });
  return fc
    .tuple(fc.tuple(...entries), unknown, fc.array(fc.nat(), { minLength: 12, maxLength: 12 }), ws)
    .map(([perField, extra, order, w]) => {
      // Any order: of duplicates, the textually last wins for JSON.parse as for the decoder.
      const all = [...perField.flat(), ...extra.map(([k, v]) => [k, v] as const)];
      const keyed = all.map((e, i) => ({ e, k: order[i % order.length] * 100 + i }));
      keyed.sort((a, b) => a.k - b.k);
      return '{' + w + keyed.map((x) => `${JSON.stringify(x.e[0])}${w}:${w}${x.e[1]}`).join(',' + w) + w + '}';
    });
}

// ---------------------------------------------------------------- the property

function expectedOutcome(fields: readonly SqlField[], json: string, zoneSeconds: number): { row: Plain } | Problem {
  try {
    return { row: oracle(structType(fields), JSON.parse(markNumbers(json)), '', zoneSeconds) };
  } catch (e) {
    if (e instanceof Problem) return e;
    throw e;
  }
}

const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

describe('StructDecoder against a JSON.parse + BigInt oracle', () => {
  it('decodes generated values of generated schemas exactly as the oracle computes, or fails for the same reason at the same path', () => {
    const zones: [string, number][] = [['UTC', 0], ['+02:00', 7200], ['-05:30', -19800]];
    const caseArb = typeArb
      .filter((t) => t.kind === 'struct')
      .chain((t) => {
        const fields = (t as { fields: readonly SqlField[] }).fields;
        return fc.tuple(fc.constant(fields), fc.array(objectText(fields, 0), { minLength: 1, maxLength: 6 }), fc.constantFrom(...zones));
      });
    fc.assert(
      fc.property(caseArb, ([fields, docs, [zone, zoneSeconds]]) => {
        const scan: ScanSpec = {
          kafkaColumns: [],
          json: { schema: [...fields], timeZone: zone },
          schema: [sqlField('v', structType(fields), false)],
          maxValueBytes: 1 << 20,
        };
        const bad = new Map<number, { reason: BadReason; detail: string }>();
        const batch = createStructDecoder(scan).decode(chunkOf(docs), (_c, i, reason, detail) => bad.set(i, { reason, detail: detail() }));
        const rows = rowsOf(batch);
        let row = 0;
        docs.forEach((doc, i) => {
          const want = expectedOutcome(fields, doc, zoneSeconds);
          if (want instanceof Problem) {
            const got = bad.get(i);
            assert.ok(got, `expected ${want.reason} at ${want.path} for ${doc}, got row ${show(rows[row])}`);
            assert.equal(got.reason, want.reason, `${doc}: ${got.detail}`);
            assert.ok(got.detail.startsWith(`field ${want.path} `), `${doc}: path ${want.path}, detail ${got.detail}`);
          } else {
            assert.equal(bad.get(i), undefined, `${doc}: expected ${show(want.row)}, got ${show(bad.get(i))}`);
            assert.equal(batch.recordIndex![row], i);
            assert.deepEqual(rows[row++].v, want.row, doc);
          }
        });
        assert.equal(row, batch.count);
      }),
      { numRuns: 400 },
    );
  });

  it('gives every record of any near-JSON bytes exactly one outcome and never throws', () => {
    const fields = [
      sqlField('a', INT, false),
      sqlField('b', arrayType(structType([sqlField('c', decimalType(20, 3)), sqlField('d', arrayType(STRING, false))]))),
      sqlField('e', TIMESTAMP),
      sqlField('f', DATE),
      sqlField('g', DOUBLE),
    ];
    const tokens = ['{', '}', '[', ']', ':', ',', ' ', '"', '"a"', '"b"', '"c"', '"d"', '"e"', '"f"', '"g"', '1', '-', '.', 'e', '12.5',
      'true', 'null', 'nul', '"\\u00e9"', '\\', 'x', 'é', '"2024-03-15T12:34:56Z"', '"2024-03-15"', '\u0001', '"NaN"', '\udc00'];
    const doc = fc.oneof(fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((t) => Buffer.from(t.join(''), 'utf8')), fc.uint8Array({ maxLength: 60 }));
    const scan: ScanSpec = {
      kafkaColumns: ['offset'],
      json: { schema: fields, timeZone: 'UTC' },
      schema: [sqlField('offset', LONG), sqlField('v', structType(fields), false)],
      maxValueBytes: 1 << 20,
    };
    const decoder = createStructDecoder(scan, { maxDepth: 6 });
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 8 }), (values) => {
        const outcome: (string | undefined)[] = new Array(values.length).fill(undefined);
        const batch = decoder.decode(chunkOf(values), (_c, i, reason, detail) => {
          assert.equal(outcome[i], undefined, 'one outcome per record');
          assert.equal(typeof detail(), 'string');
          outcome[i] = reason;
        });
        const rows = rowsOf(batch);
        let row = 0;
        values.forEach((_v, i) => {
          if (outcome[i] !== undefined) return;
          assert.equal(batch.recordIndex![row], i);
          assert.equal(rows[row++].offset, BigInt(1000 + i));
        });
        assert.equal(row, batch.count, 'every record is a row or a bad record');
      }),
      { numRuns: 1000 },
    );
  });
});
