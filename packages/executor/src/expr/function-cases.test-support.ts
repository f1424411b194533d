/**
 * Case tables for every function the catalog resolves: inputs → expected value and Spark result
 * type. Sources, per block: the `examples` of the ExpressionDescription in Spark's source (file
 * named above each block, sql/catalyst/src/main/scala/org/apache/spark/sql/catalyst/expressions/…),
 * Spark's documented semantics, and values computed by hand from the rules cited (decimal digits
 * worked out on paper; never by running this code).
 *
 * An argument is a column (one row holding the value) or a literal. Each case also runs in a
 * three-row batch [value, null, value]; `onNull` is the expected result for the row whose column
 * arguments are null (default null).
 */
import { decimalType, type SqlType } from '@tributary/common';
import type { JsValue } from './columns.test-support';

export const I: SqlType = { kind: 'int' };
export const L: SqlType = { kind: 'long' };
export const D: SqlType = { kind: 'double' };
export const S: SqlType = { kind: 'string' };
export const B: SqlType = { kind: 'boolean' };
export const DT: SqlType = { kind: 'date' };
export const TS: SqlType = { kind: 'timestamp' };
export const dec = decimalType;

export type Arg = { col: SqlType; value: JsValue } | { lit: JsValue; type?: SqlType };
export interface Case {
  /** What the case is, usually Spark's SQL. */
  sql: string;
  fn: string;
  args: Arg[];
  expect: JsValue;
  /** Spark's simpleString of the result type. */
  type: string;
  onNull?: JsValue;
  /** Session time zone (default UTC). */
  timeZone?: string;
}

export const col = (type: SqlType, value: JsValue): Arg => ({ col: type, value });
export const lit = (value: JsValue, type?: SqlType): Arg => ({ lit: value, type });

export const CASES: Case[] = [
  // predicates.scala: EqualTo, EqualNullSafe, LessThan, … examples
  { sql: '2 = 2', fn: '=', args: [col(I, 2), lit(2)], expect: true, type: 'boolean' },
  { sql: "1 = '1' (string cast to int)", fn: '=', args: [col(I, 1), lit('1')], expect: true, type: 'boolean' },
  { sql: 'true = NULL', fn: '=', args: [col(B, true), lit(null)], expect: null, type: 'boolean' },
  { sql: '2 <=> 2', fn: '<=>', args: [col(I, 2), lit(2)], expect: true, type: 'boolean', onNull: false },
  { sql: "1 <=> '1'", fn: '<=>', args: [col(I, 1), lit('1')], expect: true, type: 'boolean', onNull: false },
  { sql: 'true <=> NULL', fn: '<=>', args: [col(B, true), lit(null)], expect: false, type: 'boolean', onNull: true },
  { sql: '1 < 2', fn: '<', args: [col(I, 1), lit(2)], expect: true, type: 'boolean' },
  { sql: "1.1 < '1' (decimal vs string compare as double)", fn: '<', args: [col(dec(2, 1), '1.1'), lit('1')], expect: false, type: 'boolean' },
  { sql: "to_date('2009-07-30') < to_date('2009-07-30')", fn: '<', args: [col(DT, '2009-07-30'), col(DT, '2009-07-30')], expect: false, type: 'boolean' },
  { sql: '2 <= 2', fn: '<=', args: [col(I, 2), lit(2)], expect: true, type: 'boolean' },
  { sql: '2 > 1', fn: '>', args: [col(I, 2), lit(1)], expect: true, type: 'boolean' },
  { sql: '2 >= 1', fn: '>=', args: [col(I, 2), lit(1)], expect: true, type: 'boolean' },
  { sql: '1 != 2', fn: '!=', args: [col(I, 1), lit(2)], expect: true, type: 'boolean' },
  { sql: 'bigint 2^60 > 2^60 - 1 (wide values)', fn: '>', args: [col(L, 2n ** 60n), col(L, 2n ** 60n - 1n)], expect: true, type: 'boolean' },
  { sql: 'bigint 2^60 = 2^60 (wide values)', fn: '=', args: [col(L, 2n ** 60n), col(L, 2n ** 60n)], expect: true, type: 'boolean' },
  { sql: 'NaN = NaN is true in Spark (SQLOrderingUtil)', fn: '=', args: [col(D, NaN), col(D, NaN)], expect: true, type: 'boolean' },
  { sql: 'NaN > Infinity', fn: '>', args: [col(D, NaN), lit(Infinity)], expect: true, type: 'boolean' },
  { sql: '-0.0 = 0.0', fn: '=', args: [col(D, -0), lit(0)], expect: true, type: 'boolean' },
  { sql: "'abc' < 'abd'", fn: '<', args: [col(S, 'abc'), lit('abd')], expect: true, type: 'boolean' },
  { sql: "'ab' < 'abc' (prefix first)", fn: '<', args: [col(S, 'ab'), lit('abc')], expect: true, type: 'boolean' },
  { sql: "'é' > 'z' (UTF-8 byte order)", fn: '>', args: [col(S, 'é'), lit('z')], expect: true, type: 'boolean' },
  { sql: "event_type = 'purchase'", fn: '=', args: [col(S, 'purchase'), lit('purchase')], expect: true, type: 'boolean' },
  { sql: 'amount decimal(10,2) > 100 (100 as decimal(3,0))', fn: '>', args: [col(dec(10, 2), '100.01'), lit(100)], expect: true, type: 'boolean' },
  { sql: 'amount decimal(10,2) > 100.5 (double: decimal compared as double)', fn: '>', args: [col(dec(10, 2), '100.49'), lit(100.5)], expect: false, type: 'boolean' },
  { sql: 'decimal(5,2) 1.10 = decimal(4,1) 1.1', fn: '=', args: [col(dec(5, 2), '1.10'), col(dec(4, 1), '1.1')], expect: true, type: 'boolean' },
  { sql: 'int 3 < bigint 4', fn: '<', args: [col(I, 3), col(L, 4)], expect: true, type: 'boolean' },
  { sql: "date '2024-01-02' > '2024-01-01' (string cast to date)", fn: '>', args: [col(DT, '2024-01-02'), lit('2024-01-01')], expect: true, type: 'boolean' },
  { sql: "timestamp = date (date cast to timestamp)", fn: '=', args: [col(TS, '2017-03-01 00:00:00'), col(DT, '2017-03-01')], expect: true, type: 'boolean' },
  { sql: "'abc' = 1 (string cast to int gives null)", fn: '=', args: [col(S, 'abc'), lit(1)], expect: null, type: 'boolean' },

  // predicates.scala: And, Or, Not examples
  { sql: 'true and NULL', fn: 'and', args: [col(B, true), lit(null)], expect: null, type: 'boolean' },
  { sql: 'false and NULL', fn: 'and', args: [col(B, false), lit(null)], expect: false, type: 'boolean' },
  { sql: 'true and true', fn: 'and', args: [col(B, true), lit(true)], expect: true, type: 'boolean' },
  { sql: 'NULL and false', fn: 'and', args: [col(B, true), lit(false)], expect: false, type: 'boolean', onNull: false },
  { sql: 'true or NULL', fn: 'or', args: [col(B, true), lit(null)], expect: true, type: 'boolean' },
  { sql: 'false or NULL', fn: 'or', args: [col(B, false), lit(null)], expect: null, type: 'boolean' },
  { sql: 'NULL or true', fn: 'or', args: [col(B, false), lit(true)], expect: true, type: 'boolean', onNull: true },
  { sql: 'not true', fn: 'not', args: [col(B, true)], expect: false, type: 'boolean' },
  { sql: 'not false', fn: 'not', args: [col(B, false)], expect: true, type: 'boolean' },

  // arithmetic.scala: Add, Subtract, Multiply, Divide, Remainder, UnaryMinus examples; DecimalPrecision types
  { sql: '1 + 2', fn: '+', args: [col(I, 1), lit(2)], expect: 3, type: 'int' },
  { sql: '2 - 1', fn: '-', args: [col(I, 2), lit(1)], expect: 1, type: 'int' },
  { sql: '2 * 3', fn: '*', args: [col(I, 2), lit(3)], expect: 6, type: 'int' },
  { sql: '3 / 2 (integral division is double)', fn: '/', args: [col(I, 3), lit(2)], expect: 1.5, type: 'double' },
  { sql: '2L / 2L', fn: '/', args: [col(L, 2), col(L, 2)], expect: 1.0, type: 'double' },
  { sql: '1 / 0 is null (non-ANSI)', fn: '/', args: [col(I, 1), lit(0)], expect: null, type: 'double' },
  { sql: '2 % 1.8 (decimal(1,0) % decimal(2,1) → decimal(2,1))', fn: '%', args: [col(I, 2), lit('1.8', dec(2, 1))], expect: '0.2', type: 'decimal(2,1)' },
  { sql: '2 % 1.8 with a literal 2 → decimal(2,1)', fn: '%', args: [lit(2), col(dec(2, 1), '1.8')], expect: '0.2', type: 'decimal(2,1)' },
  { sql: '-7 % 2 (sign of the dividend)', fn: '%', args: [col(I, -7), lit(2)], expect: -1, type: 'int' },
  { sql: '7 % 0 is null', fn: '%', args: [col(I, 7), lit(0)], expect: null, type: 'int' },
  { sql: 'int max + 1 wraps (non-ANSI)', fn: '+', args: [col(I, 2147483647), lit(1)], expect: -2147483648, type: 'int' },
  { sql: 'int 65536 * 65536 wraps to 0', fn: '*', args: [col(I, 65536), lit(65536)], expect: 0, type: 'int' },
  { sql: 'bigint max + 1 wraps', fn: '+', args: [col(L, 9223372036854775807n), lit(1)], expect: -9223372036854775808n, type: 'bigint' },
  { sql: 'bigint 2^53 + 1 exact', fn: '+', args: [col(L, 2 ** 53), lit(1)], expect: 9007199254740993n, type: 'bigint' },
  { sql: 'bigint 3037000500 * 3037000500 wraps', fn: '*', args: [col(L, 3037000500), col(L, 3037000500)], expect: -9223372036709301616n, type: 'bigint' },
  { sql: 'int + bigint → bigint', fn: '+', args: [col(I, 1), col(L, 2)], expect: 3, type: 'bigint' },
  { sql: 'int + double → double', fn: '+', args: [col(I, 1), lit(0.5)], expect: 1.5, type: 'double' },
  { sql: "'1' + 1 (string → double)", fn: '+', args: [col(S, '1'), lit(1)], expect: 2, type: 'double' },
  { sql: '0.1 + 0.2 double', fn: '+', args: [col(D, 0.1), lit(0.2)], expect: 0.30000000000000004, type: 'double' },
  { sql: 'decimal(10,2) + decimal(10,2) → decimal(11,2)', fn: '+', args: [col(dec(10, 2), '99999999.99'), col(dec(10, 2), '0.01')], expect: '100000000.00', type: 'decimal(11,2)' },
  { sql: 'decimal(10,2) + 1 (literal 1 → decimal(1,0)) → decimal(11,2)', fn: '+', args: [col(dec(10, 2), '1.25'), lit(1)], expect: '2.25', type: 'decimal(11,2)' },
  { sql: 'decimal(10,2) + int column → decimal(13,2)', fn: '+', args: [col(dec(10, 2), '1.25'), col(I, 1)], expect: '2.25', type: 'decimal(13,2)' },
  { sql: 'decimal(10,2) + bigint column → decimal(23,2)', fn: '+', args: [col(dec(10, 2), '1.25'), col(L, 1)], expect: '2.25', type: 'decimal(23,2)' },
  { sql: 'decimal(5,3) - decimal(4,1) → decimal(7,3)', fn: '-', args: [col(dec(5, 3), '1.234'), col(dec(4, 1), '100.5')], expect: '-99.266', type: 'decimal(7,3)' },
  { sql: 'decimal(10,2) * decimal(10,2) → decimal(21,4)', fn: '*', args: [col(dec(10, 2), '12.34'), col(dec(10, 2), '-5.67')], expect: '-69.9678', type: 'decimal(21,4)' },
  { sql: 'decimal(10,2) / decimal(10,2) → decimal(23,13)', fn: '/', args: [col(dec(10, 2), '1.00'), col(dec(10, 2), '3.00')], expect: '0.3333333333333', type: 'decimal(23,13)' },
  { sql: 'decimal(10,2) / decimal(10,2): 2/3 rounds HALF_UP', fn: '/', args: [col(dec(10, 2), '2.00'), col(dec(10, 2), '3.00')], expect: '0.6666666666667', type: 'decimal(23,13)' },
  { sql: 'decimal / 0 is null', fn: '/', args: [col(dec(10, 2), '2.00'), col(dec(10, 2), '0.00')], expect: null, type: 'decimal(23,13)' },
  { sql: 'decimal(38,0) + decimal(38,0) → decimal(38,0), overflow → null', fn: '+', args: [col(dec(38, 0), '99999999999999999999999999999999999999'), col(dec(38, 0), '1')], expect: null, type: 'decimal(38,0)' },
  { sql: 'decimal(38,0) + decimal(38,0) in range', fn: '+', args: [col(dec(38, 0), '99999999999999999999999999999999999998'), col(dec(38, 0), '1')], expect: '99999999999999999999999999999999999999', type: 'decimal(38,0)' },
  { sql: 'decimal(38,10) * decimal(38,10) → decimal(38,6) (adjustPrecisionScale), HALF_UP', fn: '*', args: [col(dec(38, 10), '1.0000005000'), col(dec(38, 10), '1.0000000000')], expect: '1.000001', type: 'decimal(38,6)' },
  { sql: 'decimal(38,18) * 2 (literal → decimal(1,0)): decimal(40,18) → decimal(38,16), HALF_UP', fn: '*', args: [col(dec(38, 18), '0.123456789012345678'), lit(2)], expect: '0.2469135780246914', type: 'decimal(38,16)' },
  { sql: 'decimal(20,0) * decimal(20,0) → decimal(38,0), wide exact', fn: '*', args: [col(dec(20, 0), '12345678901234567890'), col(dec(20, 0), '1000')], expect: '12345678901234567890000', type: 'decimal(38,0)' },
  { sql: 'decimal(20,0) * decimal(20,0): a 40-digit product → null', fn: '*', args: [col(dec(20, 0), '12345678901234567890'), col(dec(20, 0), '98765432109876543210')], expect: null, type: 'decimal(38,0)' },
  { sql: 'negative(1)', fn: 'negative', args: [col(I, 1)], expect: -1, type: 'int' },
  { sql: 'negative(int min) wraps', fn: 'negative', args: [col(I, -2147483648)], expect: -2147483648, type: 'int' },
  { sql: 'negative(decimal)', fn: 'negative', args: [col(dec(5, 2), '1.50')], expect: '-1.50', type: 'decimal(5,2)' },
  { sql: 'negative(bigint min) wraps', fn: 'negative', args: [col(L, -9223372036854775808n)], expect: -9223372036854775808n, type: 'bigint' },

  // mathExpressions.scala: Abs (arithmetic.scala), Round examples
  { sql: 'abs(-1)', fn: 'abs', args: [col(I, -1)], expect: 1, type: 'int' },
  { sql: 'abs(int min) stays (Java)', fn: 'abs', args: [col(I, -2147483648)], expect: -2147483648, type: 'int' },
  { sql: 'abs(-1.50 decimal)', fn: 'abs', args: [col(dec(4, 2), '-1.50')], expect: '1.50', type: 'decimal(4,2)' },
  { sql: 'abs(-2.5 double)', fn: 'abs', args: [col(D, -2.5)], expect: 2.5, type: 'double' },
  { sql: "abs('-3') (string → double)", fn: 'abs', args: [col(S, '-3')], expect: 3, type: 'double' },
  { sql: 'round(2.5, 0) → 3 (decimal(2,1) → decimal(2,0))', fn: 'round', args: [col(dec(2, 1), '2.5'), lit(0)], expect: '3', type: 'decimal(2,0)' },
  { sql: 'round(-2.5, 0) → -3 (HALF_UP)', fn: 'round', args: [col(dec(2, 1), '-2.5'), lit(0)], expect: '-3', type: 'decimal(2,0)' },
  { sql: 'round(9.99, 1) → 10.0 (decimal(3,2) → decimal(3,1))', fn: 'round', args: [col(dec(3, 2), '9.99'), lit(1)], expect: '10.0', type: 'decimal(3,1)' },
  { sql: 'round(123.45, -1) → 120 (decimal(5,2) → decimal(4,0))', fn: 'round', args: [col(dec(5, 2), '123.45'), lit(-1)], expect: '120', type: 'decimal(4,0)' },
  { sql: 'round(1.5, 3) keeps the scale', fn: 'round', args: [col(dec(2, 1), '1.5'), lit(3)], expect: '1.5', type: 'decimal(3,1)' },
  { sql: 'round(2.5) double → 3.0', fn: 'round', args: [col(D, 2.5)], expect: 3, type: 'double' },
  { sql: 'round(2.675, 2) double → 2.68 (decimal text of the double)', fn: 'round', args: [col(D, 2.675), lit(2)], expect: 2.68, type: 'double' },
  { sql: 'round(-0.5) double → -1.0', fn: 'round', args: [col(D, -0.5)], expect: -1, type: 'double' },
  { sql: 'round(NaN)', fn: 'round', args: [col(D, NaN)], expect: NaN, type: 'double' },
  { sql: 'round(15, -1) int → 20', fn: 'round', args: [col(I, 15), lit(-1)], expect: 20, type: 'int' },
  { sql: 'round(-15, -1) int → -20', fn: 'round', args: [col(I, -15), lit(-1)], expect: -20, type: 'int' },
  { sql: 'round(2147483647, -1) wraps', fn: 'round', args: [col(I, 2147483647), lit(-1)], expect: -2147483646, type: 'int' },
  { sql: 'round(7, 2) int unchanged', fn: 'round', args: [col(I, 7), lit(2)], expect: 7, type: 'int' },

  // nullExpressions.scala: IsNull, IsNotNull, Coalesce examples
  { sql: 'isnull(1)', fn: 'isnull', args: [col(I, 1)], expect: false, type: 'boolean', onNull: true },
  { sql: 'isnotnull(1)', fn: 'isnotnull', args: [col(I, 1)], expect: true, type: 'boolean', onNull: false },
  { sql: 'coalesce(NULL, 1, NULL)', fn: 'coalesce', args: [lit(null), col(I, 1), lit(null)], expect: 1, type: 'int' },
  { sql: 'coalesce(col, 7)', fn: 'coalesce', args: [col(I, 1), lit(7)], expect: 1, type: 'int', onNull: 7 },
  { sql: 'coalesce(int, 1.5 decimal) → decimal(11,1)', fn: 'coalesce', args: [col(I, 3), lit('1.5', dec(2, 1))], expect: '3.0', type: 'decimal(11,1)', onNull: '1.5' },
  { sql: "coalesce(int, 'x') → string", fn: 'coalesce', args: [col(I, 3), lit('x')], expect: '3', type: 'string', onNull: 'x' },

  // predicates.scala: In, Like examples
  { sql: '1 in (1, 2, 3)', fn: 'in', args: [col(I, 1), lit(1), lit(2), lit(3)], expect: true, type: 'boolean' },
  { sql: '1 in (2, 3, 4)', fn: 'in', args: [col(I, 1), lit(2), lit(3), lit(4)], expect: false, type: 'boolean' },
  { sql: '1 in (2, NULL) is null', fn: 'in', args: [col(I, 1), lit(2), lit(null)], expect: null, type: 'boolean' },
  { sql: '2 in (2, NULL) is true', fn: 'in', args: [col(I, 2), lit(2), lit(null)], expect: true, type: 'boolean' },
  { sql: "'a' in ('a', 'b')", fn: 'in', args: [col(S, 'a'), lit('a'), lit('b')], expect: true, type: 'boolean' },
  { sql: "1 in ('1', 2) (all cast to string)", fn: 'in', args: [col(I, 1), lit('1'), lit(2)], expect: true, type: 'boolean' },
  { sql: "'%SystemDrive%\\Users\\John' like '\\%SystemDrive\\%\\\\Users%'", fn: 'like', args: [col(S, '%SystemDrive%\\Users\\John'), lit('\\%SystemDrive\\%\\\\Users%')], expect: true, type: 'boolean' },
  { sql: "'Spark' like 'Sp_rk'", fn: 'like', args: [col(S, 'Spark'), lit('Sp_rk')], expect: true, type: 'boolean' },
  { sql: "'Spark' like 'sp%' (case-sensitive)", fn: 'like', args: [col(S, 'Spark'), lit('sp%')], expect: false, type: 'boolean' },
  { sql: "'Spark' like '%ar%'", fn: 'like', args: [col(S, 'Spark'), lit('%ar%')], expect: true, type: 'boolean' },
  { sql: "'Spark' like '%k'", fn: 'like', args: [col(S, 'Spark'), lit('%k')], expect: true, type: 'boolean' },
  { sql: "'Spark' like '%a'", fn: 'like', args: [col(S, 'Spark'), lit('%a')], expect: false, type: 'boolean' },
  { sql: "'' like '%'", fn: 'like', args: [col(S, ''), lit('%')], expect: true, type: 'boolean' },
  { sql: "'héllo' like 'h_llo' (_ is one character)", fn: 'like', args: [col(S, 'héllo'), lit('h_llo')], expect: true, type: 'boolean' },
  { sql: "'abcabc' like 'a%c%c'", fn: 'like', args: [col(S, 'abcabc'), lit('a%c%c')], expect: true, type: 'boolean' },
  { sql: "'a_b' like 'a\\_b'", fn: 'like', args: [col(S, 'a_b'), lit('a\\_b')], expect: true, type: 'boolean' },
  { sql: "'axb' like 'a\\_b'", fn: 'like', args: [col(S, 'axb'), lit('a\\_b')], expect: false, type: 'boolean' },
  { sql: "'a/b' like 'a//b' escape '/'", fn: 'like', args: [col(S, 'a/b'), lit('a//b'), lit('/')], expect: true, type: 'boolean' },

  // conditionalExpressions.scala: CaseWhen examples (fn 'case': when, then, …, else)
  { sql: 'CASE WHEN 1 > 0 THEN 1 WHEN 2 > 0 THEN 2.0 ELSE 1.2 END → 1.0 decimal(11,1)', fn: 'case', args: [col(B, true), lit(1), lit(true), lit('2.0', dec(2, 1)), lit('1.2', dec(2, 1))], expect: '1.0', type: 'decimal(11,1)', onNull: '2.0' },
  { sql: 'CASE WHEN 1 < 0 THEN 1 WHEN 2 > 0 THEN 2.0 ELSE 1.2 END → 2.0', fn: 'case', args: [col(B, false), lit(1), lit(true), lit('2.0', dec(2, 1)), lit('1.2', dec(2, 1))], expect: '2.0', type: 'decimal(11,1)', onNull: '2.0' },
  { sql: 'CASE WHEN 1 < 0 THEN 1 WHEN 2 < 0 THEN 2.0 END → NULL', fn: 'case', args: [col(B, false), lit(1), lit(false), lit('2.0', dec(2, 1))], expect: null, type: 'decimal(11,1)' },
  { sql: "CASE WHEN c THEN 'yes' ELSE 'no' END", fn: 'case', args: [col(B, true), lit('yes'), lit('no')], expect: 'yes', type: 'string', onNull: 'no' },

  // stringExpressions.scala: Lower, Upper, StringTrim, Substring, Concat, Length examples
  { sql: "lower('SparkSql')", fn: 'lower', args: [col(S, 'SparkSql')], expect: 'sparksql', type: 'string' },
  { sql: "upper('SparkSql')", fn: 'upper', args: [col(S, 'SparkSql')], expect: 'SPARKSQL', type: 'string' },
  { sql: "upper('straße') (non-ASCII row)", fn: 'upper', args: [col(S, 'straße')], expect: 'STRASSE', type: 'string' },
  { sql: "lower('ÀÉ')", fn: 'lower', args: [col(S, 'ÀÉ')], expect: 'àé', type: 'string' },
  { sql: 'lower(123) (int → string)', fn: 'lower', args: [col(I, 123)], expect: '123', type: 'string' },
  { sql: "trim('    SparkSQL   ')", fn: 'trim', args: [col(S, '    SparkSQL   ')], expect: 'SparkSQL', type: 'string' },
  { sql: "trim('\\tx ') keeps the tab (spaces only)", fn: 'trim', args: [col(S, '\tx ')], expect: '\tx', type: 'string' },
  { sql: "substring('Spark SQL', 5)", fn: 'substring', args: [col(S, 'Spark SQL'), lit(5)], expect: 'k SQL', type: 'string' },
  { sql: "substring('Spark SQL', -3)", fn: 'substring', args: [col(S, 'Spark SQL'), lit(-3)], expect: 'SQL', type: 'string' },
  { sql: "substring('Spark SQL', 5, 1)", fn: 'substring', args: [col(S, 'Spark SQL'), lit(5), lit(1)], expect: 'k', type: 'string' },
  { sql: "substring('Spark SQL', 0, 2) (0 is 1)", fn: 'substring', args: [col(S, 'Spark SQL'), lit(0), lit(2)], expect: 'Sp', type: 'string' },
  { sql: "substring('Spark', -10, 7) → 'Sp' (start −5, end 2)", fn: 'substring', args: [col(S, 'Spark'), lit(-10), lit(7)], expect: 'Sp', type: 'string' },
  { sql: "substring('Spark', 3, -1) → ''", fn: 'substring', args: [col(S, 'Spark'), lit(3), lit(-1)], expect: '', type: 'string' },
  { sql: "substring('héllo', 2, 3) (characters)", fn: 'substring', args: [col(S, 'héllo'), lit(2), lit(3)], expect: 'éll', type: 'string' },
  { sql: "substring('Spark', 10) → ''", fn: 'substring', args: [col(S, 'Spark'), lit(10)], expect: '', type: 'string' },
  { sql: "concat('Spark', 'SQL')", fn: 'concat', args: [col(S, 'Spark'), lit('SQL')], expect: 'SparkSQL', type: 'string' },
  { sql: "concat('a', NULL) is null", fn: 'concat', args: [col(S, 'a'), lit(null)], expect: null, type: 'string' },
  { sql: "concat('n', 1) (int → string)", fn: 'concat', args: [col(S, 'n'), col(I, 1)], expect: 'n1', type: 'string' },
  { sql: "length('Spark SQL ')", fn: 'length', args: [col(S, 'Spark SQL ')], expect: 10, type: 'int' },
  { sql: "length('héllo') (characters)", fn: 'length', args: [col(S, 'héllo')], expect: 5, type: 'int' },
  { sql: "length('') ", fn: 'length', args: [col(S, '')], expect: 0, type: 'int' },

  // datetimeExpressions.scala: ParseToDate, TruncTimestamp, Hour, DayOfWeek, DateFormatClass examples
  { sql: "to_date('2009-07-30 04:17:52')", fn: 'to_date', args: [col(S, '2009-07-30 04:17:52')], expect: '2009-07-30', type: 'date' },
  { sql: "to_date('2009-7-3')", fn: 'to_date', args: [col(S, '2009-7-3')], expect: '2009-07-03', type: 'date' },
  { sql: "to_date('2009-02-30') → null", fn: 'to_date', args: [col(S, '2009-02-30')], expect: null, type: 'date' },
  { sql: "to_date('x') → null", fn: 'to_date', args: [col(S, 'x')], expect: null, type: 'date' },
  { sql: 'to_date(timestamp) in UTC', fn: 'to_date', args: [col(TS, '2024-01-01 23:30:00')], expect: '2024-01-01', type: 'date' },
  { sql: 'to_date(timestamp) in +02:00 is the next day', fn: 'to_date', args: [col(TS, '2024-01-01 23:30:00')], expect: '2024-01-02', type: 'date', timeZone: '+02:00' },
  { sql: "date_trunc('YEAR', '2015-03-05T09:32:05.359')", fn: 'date_trunc', args: [lit('YEAR'), col(S, '2015-03-05T09:32:05.359')], expect: '2015-01-01 00:00:00', type: 'timestamp' },
  { sql: "date_trunc('MM', '2015-03-05T09:32:05.359')", fn: 'date_trunc', args: [lit('MM'), col(S, '2015-03-05T09:32:05.359')], expect: '2015-03-01 00:00:00', type: 'timestamp' },
  { sql: "date_trunc('DD', '2015-03-05T09:32:05.359')", fn: 'date_trunc', args: [lit('DD'), col(S, '2015-03-05T09:32:05.359')], expect: '2015-03-05 00:00:00', type: 'timestamp' },
  { sql: "date_trunc('HOUR', '2015-03-05T09:32:05.359')", fn: 'date_trunc', args: [lit('HOUR'), col(S, '2015-03-05T09:32:05.359')], expect: '2015-03-05 09:00:00', type: 'timestamp' },
  { sql: "date_trunc('MILLISECOND', '2015-03-05T09:32:05.123456')", fn: 'date_trunc', args: [lit('MILLISECOND'), col(TS, '2015-03-05 09:32:05.123456')], expect: '2015-03-05 09:32:05.123', type: 'timestamp' },
  { sql: "date_trunc('week', …) back to Monday", fn: 'date_trunc', args: [lit('week'), col(TS, '2024-05-02 10:00:00')], expect: '2024-04-29 00:00:00', type: 'timestamp' },
  { sql: "date_trunc('QUARTER', …)", fn: 'date_trunc', args: [lit('QUARTER'), col(TS, '2024-05-02 10:00:00')], expect: '2024-04-01 00:00:00', type: 'timestamp' },
  { sql: "date_trunc('DAY', …) in +02:00: local midnight", fn: 'date_trunc', args: [lit('DAY'), col(TS, '2024-05-01 23:00:00')], expect: '2024-05-01 22:00:00', type: 'timestamp', timeZone: '+02:00' },
  { sql: "date_trunc('bogus', …) → null", fn: 'date_trunc', args: [lit('bogus'), col(TS, '2024-05-02 10:00:00')], expect: null, type: 'timestamp' },
  { sql: "hour('2009-07-30 12:58:59')", fn: 'hour', args: [col(S, '2009-07-30 12:58:59')], expect: 12, type: 'int' },
  { sql: 'hour(timestamp) in -05:00', fn: 'hour', args: [col(TS, '2009-07-30 02:00:00')], expect: 21, type: 'int', timeZone: '-05:00' },
  { sql: 'hour before 1970', fn: 'hour', args: [col(TS, '1969-12-31 23:15:00')], expect: 23, type: 'int' },
  { sql: "dayofweek('2009-07-30') → 5 (Thursday)", fn: 'dayofweek', args: [col(S, '2009-07-30')], expect: 5, type: 'int' },
  { sql: 'dayofweek(date 2024-05-05) → 1 (Sunday)', fn: 'dayofweek', args: [col(DT, '2024-05-05')], expect: 1, type: 'int' },
  { sql: 'dayofweek(date 1969-12-27) → 7 (Saturday)', fn: 'dayofweek', args: [col(DT, '1969-12-27')], expect: 7, type: 'int' },
  { sql: "date_format('2016-04-08', 'y')", fn: 'date_format', args: [col(S, '2016-04-08'), lit('y')], expect: '2016', type: 'string' },
  { sql: "date_format(ts, 'yyyy-MM-dd HH:mm:ss.SSS')", fn: 'date_format', args: [col(TS, '2024-03-05 07:08:09.123456'), lit('yyyy-MM-dd HH:mm:ss.SSS')], expect: '2024-03-05 07:08:09.123', type: 'string' },
  { sql: "date_format(ts, 'EEE, d MMM yy hh a') ", fn: 'date_format', args: [col(TS, '2024-03-05 17:08:09'), lit("EEE, d MMM yy hh a")], expect: 'Tue, 5 Mar 24 05 PM', type: 'string' },
  { sql: "date_format(ts, \"yyyy'T'HH\") in +01:00", fn: 'date_format', args: [col(TS, '2024-03-05 23:30:00'), lit("yyyy-MM-dd'T'HH")], expect: '2024-03-06T00', type: 'string', timeZone: '+01:00' },

  // jsonExpressions.scala: GetJsonObject examples
  { sql: `get_json_object('{"a":"b"}', '$.a')`, fn: 'get_json_object', args: [col(S, '{"a":"b"}'), lit('$.a')], expect: 'b', type: 'string' },
  { sql: 'a float as Jackson writes a double (12.50 → 12.5)', fn: 'get_json_object', args: [col(S, '{"a": 12.50, "b": 1}'), lit('$.a')], expect: '12.5', type: 'string' },
  { sql: 'an integer', fn: 'get_json_object', args: [col(S, '{"a": 12.50, "b": -7}'), lit('$.b')], expect: '-7', type: 'string' },
  { sql: '1e3 → 1000.0', fn: 'get_json_object', args: [col(S, '{"a": 1e3}'), lit('$.a')], expect: '1000.0', type: 'string' },
  { sql: 'nested key and index', fn: 'get_json_object', args: [col(S, '{"a":{"b":[10, {"c": "x\\"y"}]}}'), lit('$.a.b[1].c')], expect: 'x"y', type: 'string' },
  { sql: 'an object, compacted', fn: 'get_json_object', args: [col(S, '{"a": {"b" : [1, 2.50], "c": "s p"}}'), lit('$.a')], expect: '{"b":[1,2.5],"c":"s p"}', type: 'string' },
  { sql: 'bracket key', fn: 'get_json_object', args: [col(S, '{"a b": true}'), lit("$['a b']")], expect: 'true', type: 'string' },
  { sql: 'missing key → null', fn: 'get_json_object', args: [col(S, '{"a":"b"}'), lit('$.z')], expect: null, type: 'string' },
  { sql: 'JSON null → null', fn: 'get_json_object', args: [col(S, '{"a":null}'), lit('$.a')], expect: null, type: 'string' },
  { sql: 'malformed → null', fn: 'get_json_object', args: [col(S, '{"a":'), lit('$.a')], expect: null, type: 'string' },
  { sql: 'invalid path → null', fn: 'get_json_object', args: [col(S, '{"a":"b"}'), lit('a')], expect: null, type: 'string' },
  { sql: 'index past the end → null', fn: 'get_json_object', args: [col(S, '[1,2]'), lit('$[2]')], expect: null, type: 'string' },
];

/** CAST cases (Cast.scala, non-ANSI), run through resolveCast + evaluate. */
export interface CastCase { sql: string; from: SqlType; value: JsValue; to: SqlType; expect: JsValue; timeZone?: string }

export const CAST_CASES: CastCase[] = [
  { sql: "cast('10' as int) (Cast.scala example)", from: S, value: '10', to: I, expect: 10 },
  { sql: "cast(' 12 ' as int) trims", from: S, value: ' 12 ', to: I, expect: 12 },
  { sql: "cast('1.9' as int) truncates", from: S, value: '1.9', to: I, expect: 1 },
  { sql: "cast('-1.9' as bigint)", from: S, value: '-1.9', to: L, expect: -1 },
  { sql: "cast('1e3' as int) → null", from: S, value: '1e3', to: I, expect: null },
  { sql: "cast('abc' as int) → null", from: S, value: 'abc', to: I, expect: null },
  { sql: "cast('2147483648' as int) → null (overflow)", from: S, value: '2147483648', to: I, expect: null },
  { sql: "cast('9223372036854775807' as bigint)", from: S, value: '9223372036854775807', to: L, expect: 9223372036854775807n },
  { sql: "cast('9223372036854775808' as bigint) → null", from: S, value: '9223372036854775808', to: L, expect: null },
  { sql: "cast('-9223372036854775808' as bigint)", from: S, value: '-9223372036854775808', to: L, expect: -9223372036854775808n },
  { sql: "cast('1.5e2' as double)", from: S, value: '1.5e2', to: D, expect: 150 },
  { sql: "cast('-Infinity' as double)", from: S, value: '-Infinity', to: D, expect: -Infinity },
  { sql: "cast('x' as double) → null", from: S, value: 'x', to: D, expect: null },
  { sql: "cast('1.005' as decimal(10,2)) → 1.01 HALF_UP", from: S, value: '1.005', to: dec(10, 2), expect: '1.01' },
  { sql: "cast('-1.005' as decimal(10,2)) → -1.01", from: S, value: '-1.005', to: dec(10, 2), expect: '-1.01' },
  { sql: "cast('123.4' as decimal(3,1)) → null (too wide)", from: S, value: '123.4', to: dec(3, 1), expect: null },
  { sql: "cast('1e2' as decimal(5,1))", from: S, value: '1e2', to: dec(5, 1), expect: '100.0' },
  { sql: "cast('yes' as boolean)", from: S, value: 'yes', to: B, expect: true },
  { sql: "cast('0' as boolean)", from: S, value: '0', to: B, expect: false },
  { sql: "cast('maybe' as boolean) → null", from: S, value: 'maybe', to: B, expect: null },
  { sql: "cast('2024-01-02 03:04:05.5' as timestamp)", from: S, value: '2024-01-02 03:04:05.5', to: TS, expect: '2024-01-02 03:04:05.5' },
  { sql: "cast('2024-01-02' as timestamp) in +02:00 → 2024-01-01 22:00 UTC", from: S, value: '2024-01-02', to: TS, expect: '2024-01-01 22:00:00', timeZone: '+02:00' },
  { sql: 'cast(3.99 as int) truncates', from: D, value: 3.99, to: I, expect: 3 },
  { sql: 'cast(-3.99 as int)', from: D, value: -3.99, to: I, expect: -3 },
  { sql: 'cast(1e10 as int) saturates (Java d2i)', from: D, value: 1e10, to: I, expect: 2147483647 },
  { sql: 'cast(NaN as int) → 0', from: D, value: NaN, to: I, expect: 0 },
  { sql: 'cast(1e19 as bigint) saturates', from: D, value: 1e19, to: L, expect: 9223372036854775807n },
  { sql: 'cast(bigint 4294967297 as int) wraps to 1', from: L, value: 4294967297, to: I, expect: 1 },
  { sql: 'cast(bigint 2^63-1 as int) wraps to -1', from: L, value: 9223372036854775807n, to: I, expect: -1 },
  { sql: 'cast(int as decimal(3,1)) too wide → null', from: I, value: 100, to: dec(3, 1), expect: null },
  { sql: 'cast(int as decimal(4,1))', from: I, value: 100, to: dec(4, 1), expect: '100.0' },
  { sql: 'cast(0.1 as decimal(5,3)) (double through its text)', from: D, value: 0.1, to: dec(5, 3), expect: '0.100' },
  { sql: 'cast(2.675 as decimal(5,2)) → 2.68', from: D, value: 2.675, to: dec(5, 2), expect: '2.68' },
  { sql: 'cast(NaN as decimal(5,2)) → null', from: D, value: NaN, to: dec(5, 2), expect: null },
  { sql: 'cast(decimal 12.345 as decimal(4,2)) → 12.35 HALF_UP', from: dec(5, 3), value: '12.345', to: dec(4, 2), expect: '12.35' },
  { sql: 'cast(decimal 99.995 as decimal(4,2)) → null (rounds to 100.00)', from: dec(5, 3), value: '99.995', to: dec(4, 2), expect: null },
  { sql: 'cast(decimal -7.9 as int) truncates', from: dec(2, 1), value: '-7.9', to: I, expect: -7 },
  { sql: 'cast(decimal 0.1 as double)', from: dec(2, 1), value: '0.1', to: D, expect: 0.1 },
  { sql: 'cast(decimal(38,0) as double)', from: dec(38, 0), value: '12345678901234567890123456789', to: D, expect: 1.2345678901234568e28 },
  { sql: 'cast(1.5 as string)', from: D, value: 1.5, to: S, expect: '1.5' },
  { sql: 'cast(1.0 as string) → 1.0', from: D, value: 1, to: S, expect: '1.0' },
  { sql: 'cast(1e7 as string) → 1.0E7', from: D, value: 1e7, to: S, expect: '1.0E7' },
  { sql: 'cast(0.0001 as string) → 1.0E-4', from: D, value: 0.0001, to: S, expect: '1.0E-4' },
  { sql: 'cast(1.25e-5 as string) → 1.25E-5', from: D, value: 1.25e-5, to: S, expect: '1.25E-5' },
  { sql: 'cast(decimal 0.00 as string) plain', from: dec(3, 2), value: '0.00', to: S, expect: '0.00' },
  { sql: 'cast(-0.05 as string) decimal', from: dec(3, 2), value: '-0.05', to: S, expect: '-0.05' },
  { sql: 'cast(true as string)', from: B, value: true, to: S, expect: 'true' },
  { sql: 'cast(date as string)', from: DT, value: '2024-02-29', to: S, expect: '2024-02-29' },
  { sql: 'cast(timestamp as string) drops trailing zeros', from: TS, value: '2024-02-29 01:02:03.120000', to: S, expect: '2024-02-29 01:02:03.12' },
  { sql: 'cast(timestamp as string) in +05:30', from: TS, value: '2024-02-29 20:00:00', to: S, expect: '2024-03-01 01:30:00', timeZone: '+05:30' },
  { sql: 'cast(timestamp as bigint) floors seconds', from: TS, value: '1969-12-31 23:59:59.5', to: L, expect: -1 },
  { sql: 'cast(timestamp as double)', from: TS, value: '1970-01-01 00:00:01.5', to: D, expect: 1.5 },
  { sql: 'cast(bigint as timestamp) seconds', from: L, value: 86400, to: TS, expect: '1970-01-02 00:00:00' },
  { sql: 'cast(1.5 as timestamp)', from: D, value: 1.5, to: TS, expect: '1970-01-01 00:00:01.5' },
  { sql: 'cast(date as timestamp) midnight UTC', from: DT, value: '2024-01-01', to: TS, expect: '2024-01-01 00:00:00' },
  { sql: 'cast(timestamp as date) in -01:00', from: TS, value: '2024-01-01 00:30:00', to: DT, expect: '2023-12-31', timeZone: '-01:00' },
  { sql: 'cast(date as int) → null (non-ANSI)', from: DT, value: '2024-01-01', to: I, expect: null },
  { sql: 'cast(2 as boolean) → true', from: I, value: 2, to: B, expect: true },
  { sql: 'cast(true as int) → 1', from: B, value: true, to: I, expect: 1 },
  { sql: 'cast(int as double)', from: I, value: -3, to: D, expect: -3 },
  { sql: 'cast(int as bigint)', from: I, value: -3, to: L, expect: -3 },
];
