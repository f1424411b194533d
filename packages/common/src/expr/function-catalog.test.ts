import assert from 'node:assert/strict';
import { arrayType, BOOLEAN, DATE, decimalType, DOUBLE, INT, LONG, simpleString, sqlField, STRING, structType, TIMESTAMP, type SqlType } from '../schema/sql-type';
import type { RExpr } from '../plan/resolved-query';
import { resolveCall } from './function-catalog';
import { resolveCast } from './cast-rules';
import { literal } from './literal';
import { decimalResultType } from './decimal-types';
import { changePrecision, divideDecimal38, formatDecimal, roundSignificant } from './decimal-value';

const col = (type: SqlType, index = 0, nullable = true): RExpr => ({ kind: 'column', index, type, nullable });
const typeOf = (e: RExpr) => simpleString(e.type);
const argTypes = (e: RExpr) => (e.kind === 'call' ? e.args.map(typeOf) : []);

describe('function catalog: decimal result types (DecimalPrecision, arithmetic.scala, allowPrecisionLoss=true)', () => {
  // [op, a, b, expected] — worked by hand from the formulas in Spark's arithmetic.scala.
  const table: [string, [number, number], [number, number], string][] = [
    ['+', [10, 2], [10, 2], 'decimal(11,2)'],
    ['+', [5, 3], [4, 1], 'decimal(7,3)'],
    ['-', [38, 0], [38, 0], 'decimal(38,0)'],
    // precision 10 + max(28, 36) + 1 = 47 > 38 with 37 integer digits: scale max(38 − 37, min(10, 6)) = 6
    ['+', [38, 10], [38, 2], 'decimal(38,6)'],
    ['*', [10, 2], [10, 2], 'decimal(21,4)'],
    ['*', [38, 10], [38, 10], 'decimal(38,6)'],
    ['*', [38, 18], [1, 0], 'decimal(38,16)'],
    ['/', [10, 2], [10, 2], 'decimal(23,13)'],
    ['/', [10, 2], [5, 1], 'decimal(17,8)'],
    ['/', [38, 10], [38, 10], 'decimal(38,6)'],
    ['/', [1, 0], [10, 0], 'decimal(12,11)'],
    ['%', [10, 0], [2, 1], 'decimal(2,1)'],
    ['%', [10, 2], [5, 1], 'decimal(6,2)'],
  ];
  for (const [op, [p1, s1], [p2, s2], want] of table) {
    it(`decimal(${p1},${s1}) ${op} decimal(${p2},${s2}) → ${want}`, () => {
      assert.equal(simpleString(decimalResultType(op as '+', decimalType(p1, s1), decimalType(p2, s2))), want);
      const call = resolveCall(op, [col(decimalType(p1, s1)), col(decimalType(p2, s2), 1)]);
      assert.equal(typeOf(call), want);
    });
  }
});

describe('function catalog: implicit coercion (TypeCoercion.scala, non-ANSI)', () => {
  it('widens int and bigint to bigint in a comparison', () => {
    assert.deepEqual(argTypes(resolveCall('=', [col(INT), col(LONG, 1)])), ['bigint', 'bigint']);
  });
  it('casts a string to the other side in a comparison (to int, date, timestamp; double beside a decimal)', () => {
    assert.deepEqual(argTypes(resolveCall('<', [col(STRING), col(INT, 1)])), ['int', 'int']);
    assert.deepEqual(argTypes(resolveCall('<', [col(DATE), literal('2024-01-01')])), ['date', 'date']);
    assert.deepEqual(argTypes(resolveCall('<', [col(TIMESTAMP), literal('2024-01-01')])), ['timestamp', 'timestamp']);
    assert.deepEqual(argTypes(resolveCall('<', [col(decimalType(10, 2)), literal('1')])), ['double', 'double']);
  });
  it('compares a date with a timestamp as timestamps', () => {
    assert.deepEqual(argTypes(resolveCall('=', [col(DATE), col(TIMESTAMP, 1)])), ['timestamp', 'timestamp']);
  });
  it('gives an integral literal beside a decimal only the digits it has', () => {
    assert.deepEqual(argTypes(resolveCall('>', [col(decimalType(10, 2)), literal(100)])), ['decimal(10,2)', 'decimal(10,2)']);
    assert.deepEqual(argTypes(resolveCall('+', [col(decimalType(10, 2)), literal(100)])), ['decimal(10,2)', 'decimal(3,0)']);
    assert.deepEqual(argTypes(resolveCall('+', [col(decimalType(10, 2)), col(INT, 1)])), ['decimal(10,2)', 'decimal(10,0)']);
  });
  it('makes / over non-decimals double division and a string operand double', () => {
    assert.equal(typeOf(resolveCall('/', [col(INT), col(INT, 1)])), 'double');
    assert.equal(typeOf(resolveCall('/', [col(LONG), col(INT, 1)])), 'double');
    assert.equal(typeOf(resolveCall('+', [col(STRING), col(INT, 1)])), 'double');
    assert.equal(typeOf(resolveCall('*', [col(decimalType(10, 2)), col(DOUBLE, 1)])), 'double');
  });
  it('gives a NULL operand the other side\'s type in arithmetic', () => {
    assert.equal(typeOf(resolveCall('+', [col(INT), literal(null)])), 'int');
    assert.equal(typeOf(resolveCall('*', [literal(null), col(decimalType(5, 2))])), 'decimal(11,4)');
    assert.equal(typeOf(resolveCall('+', [literal(null), literal(null)])), 'double');
  });
  it('resolves case and coalesce to the wider common type and in to one type', () => {
    assert.equal(typeOf(resolveCall('coalesce', [col(INT), col(LONG, 1)])), 'bigint');
    assert.equal(typeOf(resolveCall('coalesce', [col(INT), literal('x')])), 'string');
    assert.equal(typeOf(resolveCall('case', [col(BOOLEAN), col(INT, 1), literal(1.5)])), 'double');
    assert.deepEqual(argTypes(resolveCall('in', [col(INT), literal(1), literal(2 ** 40)])), ['bigint', 'bigint', 'bigint']);
  });
  it('rewrites between as >= and <=', () => {
    const e = resolveCall('between', [col(INT), literal(1), literal(5)]);
    assert.ok(e.kind === 'call' && e.fn === 'and');
    assert.deepEqual(e.kind === 'call' && e.args.map((a) => (a.kind === 'call' ? a.fn : '')), ['>=', '<=']);
  });
  it('resolves to_date(x) as CAST(x AS DATE) and refuses a number', () => {
    assert.equal(resolveCall('to_date', [col(STRING)]).kind, 'cast');
    assert.throws(() => resolveCall('to_date', [col(INT)]), /DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE/);
  });
  it('derives nullability: null-safe equality and null tests never null; division may be', () => {
    const a = col(INT, 0, false);
    const b = col(INT, 1, false);
    assert.equal(resolveCall('+', [a, b]).nullable, false);
    assert.equal(resolveCall('/', [a, b]).nullable, true);
    assert.equal(resolveCall('<=>', [col(INT), col(INT, 1)]).nullable, false);
    assert.equal(resolveCall('isnull', [col(INT)]).nullable, false);
    assert.equal(resolveCall('coalesce', [col(INT), b]).nullable, false);
    assert.equal(resolveCall('+', [col(decimalType(5, 2), 0, false), col(decimalType(5, 2), 1, false)]).nullable, true);
  });
});

describe('function catalog: refusals in Spark words', () => {
  it('refuses comparing int with boolean', () => {
    assert.throws(() => resolveCall('=', [col(INT), col(BOOLEAN, 1)]), /\[DATATYPE_MISMATCH\.BINARY_OP_DIFF_TYPES\].*"INT" and "BOOLEAN"/);
  });
  it('refuses arithmetic on a boolean', () => {
    assert.throws(() => resolveCall('+', [col(BOOLEAN), col(INT, 1)]), /\[DATATYPE_MISMATCH\.BINARY_OP_WRONG_TYPE\].*"NUMERIC"/);
  });
  it('refuses and over an int', () => {
    assert.throws(() => resolveCall('and', [col(INT), col(BOOLEAN, 1)]), /requires the "BOOLEAN" type/);
  });
  it('refuses the wrong number of arguments and unknown functions', () => {
    assert.throws(() => resolveCall('lower', []), /WRONG_NUM_ARGS/);
    assert.throws(() => resolveCall('soundex', [col(STRING)]), (e: Error & { code?: string }) => e.code === 'UNSUPPORTED_FUNCTION');
  });
  it('refuses a LIKE pattern that is not a literal and a zone that is not a fixed offset', () => {
    assert.throws(() => resolveCall('like', [col(STRING), col(STRING, 1)]), /pattern must be a string literal/);
    assert.throws(() => resolveCall('hour', [col(TIMESTAMP)], { timeZone: 'Europe/Paris' }), /unsupported session time zone/);
  });
  it('refuses LIKE patterns with a misplaced escape, as StringUtils.escapeLikeRegex', () => {
    assert.throws(() => resolveCall('like', [col(STRING), literal('a\\b')]), /\[INVALID_FORMAT\.ESC_IN_THE_MIDDLE\].*not allowed to precede 'b'/);
    assert.throws(() => resolveCall('like', [col(STRING), literal('ab\\')]), /\[INVALID_FORMAT\.ESC_AT_THE_END\]/);
    assert.equal(resolveCall('like', [col(STRING), literal('a\\%b')]).type.kind, 'boolean');
  });
  it('refuses casts Spark refuses: struct → int, int → date, boolean → date', () => {
    const s = structType([sqlField('a', INT)]);
    assert.throws(() => resolveCast(col(s), INT), /\[DATATYPE_MISMATCH\.CAST_WITHOUT_SUGGESTION\].*cannot cast "STRUCT<a: INT>" to "INT"/);
    assert.throws(() => resolveCast(col(INT), DATE), /cannot cast "INT" to "DATE"/);
    assert.throws(() => resolveCast(col(BOOLEAN), DATE), /cannot cast "BOOLEAN" to "DATE"/);
  });
  it('allows casts Spark allows: date → int (null), array<int> → array<string>, struct field-wise', () => {
    assert.equal(resolveCast(col(DATE), INT).nullable, true);
    assert.equal(typeOf(resolveCast(col(arrayType(INT)), arrayType(STRING))), 'array<string>');
    assert.equal(typeOf(resolveCast(col(structType([sqlField('a', INT)])), structType([sqlField('a', LONG)]))), 'struct<a:bigint>');
  });
});

describe('literals', () => {
  it('types untyped values as PySpark lit()', () => {
    assert.deepEqual([literal(1), literal(2 ** 40), literal(1.5), literal('x'), literal(true)].map(typeOf), ['int', 'bigint', 'double', 'string', 'boolean']);
  });
  it('reads typed text into canonical values', () => {
    assert.equal(literal('1.50', decimalType(3, 2)).value, '150');
    assert.equal(literal('2024-01-01', DATE).value, '19723');
    assert.equal(literal('2024-01-01 00:00:01', TIMESTAMP).value, String(19723 * 86_400_000_000 + 1_000_000));
    assert.equal(literal('2024-01-01 02:00:00', TIMESTAMP, '+02:00').value, String(19723 * 86_400_000_000));
    assert.throws(() => literal('123.4', decimalType(3, 1)), /not a decimal\(3,1\)/);
  });
});

describe('exact decimal helpers', () => {
  it('divides to 38 significant digits HALF_UP (BigDecimal.divide with MathContext(38, HALF_UP))', () => {
    const twoThirds = divideDecimal38(2n, 0, 3n, 0);
    assert.equal(formatDecimal(twoThirds.unscaled, twoThirds.scale), '0.66666666666666666666666666666666666667');
    const q = divideDecimal38(-1000n, 2, 8n, 0); // −10.00 / 8 = −1.25 exactly
    assert.equal(formatDecimal(changePrecision(q.unscaled, q.scale, 10, 2)!, 2), '-1.25');
    const big = divideDecimal38(10n ** 37n, 0, 3n, 0); // 3333…3.333… with 38 significant digits
    assert.equal(formatDecimal(big.unscaled, big.scale), '3333333333333333333333333333333333333.3');
  });
  it('rounds to 38 significant digits HALF_UP before fitting', () => {
    const r = roundSignificant(10n ** 38n + 5n, 0);
    assert.deepEqual(r, { unscaled: 10n ** 37n + 1n, scale: -1 });
  });
  it('fits with HALF_UP and gives null beyond the precision', () => {
    assert.equal(changePrecision(12345n, 3, 4, 2), 1235n);
    assert.equal(changePrecision(-12345n, 3, 4, 2), -1235n);
    assert.equal(changePrecision(99995n, 3, 4, 2), null);
  });
});
