import assert from 'node:assert/strict';
import { InvalidArgumentError, type ExprSpec } from '@tributary/common';
import { Column } from './column';
import { col, lit, when } from './functions';
import { DecimalType, IntegerType, StructField, StructType } from './types';

const a: ExprSpec = { kind: 'col', name: 'a' };
const b: ExprSpec = { kind: 'col', name: 'b' };
const one: ExprSpec = { kind: 'lit', value: 1 };

function refuses(call: () => unknown, message: string): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe('Column methods build the plan with Spark SQL operator names', () => {
  // [method, built column, expected ExprSpec, Spark's generated column name]
  const cases: [string, Column, ExprSpec, string][] = [
    ['equalTo', col('a').equalTo(1), { kind: 'call', fn: '=', args: [a, one] }, '(a = 1)'],
    ['equalTo a column', col('a').equalTo(col('b')), { kind: 'call', fn: '=', args: [a, b] }, '(a = b)'],
    ['equalTo a string is a literal', col('a').equalTo('b'), { kind: 'call', fn: '=', args: [a, { kind: 'lit', value: 'b' }] }, '(a = b)'],
    ['notEqual', col('a').notEqual(1), { kind: 'call', fn: '!=', args: [a, one] }, '(NOT (a = 1))'],
    ['eqNullSafe', col('a').eqNullSafe(null), { kind: 'call', fn: '<=>', args: [a, { kind: 'lit', value: null }] }, '(a <=> NULL)'],
    ['gt', col('a').gt(1), { kind: 'call', fn: '>', args: [a, one] }, '(a > 1)'],
    ['geq', col('a').geq(1), { kind: 'call', fn: '>=', args: [a, one] }, '(a >= 1)'],
    ['lt', col('a').lt(1), { kind: 'call', fn: '<', args: [a, one] }, '(a < 1)'],
    ['leq', col('a').leq(1), { kind: 'call', fn: '<=', args: [a, one] }, '(a <= 1)'],
    ['and', col('a').and(col('b')), { kind: 'call', fn: 'and', args: [a, b] }, '(a AND b)'],
    ['or', col('a').or(false), { kind: 'call', fn: 'or', args: [a, { kind: 'lit', value: false }] }, '(a OR false)'],
    ['not', col('a').not(), { kind: 'call', fn: 'not', args: [a] }, '(NOT a)'],
    ['isNull', col('a').isNull(), { kind: 'call', fn: 'isnull', args: [a] }, '(a IS NULL)'],
    ['isNotNull', col('a').isNotNull(), { kind: 'call', fn: 'isnotnull', args: [a] }, '(a IS NOT NULL)'],
    ['isin with values', col('a').isin(1, 2), { kind: 'call', fn: 'in', args: [a, one, { kind: 'lit', value: 2 }] }, '(a IN (1, 2))'],
    ['isin with a list', col('a').isin(['x', 'y']), { kind: 'call', fn: 'in', args: [a, { kind: 'lit', value: 'x' }, { kind: 'lit', value: 'y' }] }, '(a IN (x, y))'],
    ['like', col('a').like('%x_'), { kind: 'call', fn: 'like', args: [a, { kind: 'lit', value: '%x_' }] }, 'a LIKE %x_'],
    ['between', col('a').between(1, 10), { kind: 'call', fn: 'between', args: [a, one, { kind: 'lit', value: 10 }] }, '((a >= 1) AND (a <= 10))'],
    ['plus', col('a').plus(1), { kind: 'call', fn: '+', args: [a, one] }, '(a + 1)'],
    ['minus', col('a').minus(col('b')), { kind: 'call', fn: '-', args: [a, b] }, '(a - b)'],
    ['multiply', col('a').multiply(2.5), { kind: 'call', fn: '*', args: [a, { kind: 'lit', value: 2.5 }] }, '(a * 2.5)'],
    ['divide', col('a').divide(3), { kind: 'call', fn: '/', args: [a, { kind: 'lit', value: 3 }] }, '(a / 3)'],
    ['mod', col('a').mod(7), { kind: 'call', fn: '%', args: [a, { kind: 'lit', value: 7 }] }, '(a % 7)'],
    ['cast to a type name', col('a').cast('bigint'), { kind: 'cast', expr: a, to: { kind: 'long' } }, 'a'],
    ['cast to decimal(12,2)', col('a').plus(1).cast('decimal(12,2)'), { kind: 'cast', expr: { kind: 'call', fn: '+', args: [a, one] }, to: { kind: 'decimal', precision: 12, scale: 2 } }, 'CAST((a + 1) AS DECIMAL(12,2))'],
    ['cast to a DataType', col('a').cast(DecimalType(5, 1)), { kind: 'cast', expr: a, to: { kind: 'decimal', precision: 5, scale: 1 } }, 'a'],
    ['astype', col('a').astype('date'), { kind: 'cast', expr: a, to: { kind: 'date' } }, 'a'],
    ['alias', col('a').plus(1).alias('c'), { kind: 'alias', expr: { kind: 'call', fn: '+', args: [a, one] }, name: 'c' }, 'c'],
    ['as', col('a').as('c'), { kind: 'alias', expr: a, name: 'c' }, 'c'],
    ['name', col('a').name('c'), { kind: 'alias', expr: a, name: 'c' }, 'c'],
    ['getField', col('data').getField('x'), { kind: 'col', name: 'data.x' }, 'x'],
    ['getItem of a struct field', col('data').getItem('x').getField('y'), { kind: 'col', name: 'data.x.y' }, 'y'],
    ['nested operators', col('a').gt(1).and(col('b').isNull().not()),
      { kind: 'call', fn: 'and', args: [{ kind: 'call', fn: '>', args: [a, one] }, { kind: 'call', fn: 'not', args: [{ kind: 'call', fn: 'isnull', args: [b] }] }] },
      '((a > 1) AND (NOT (b IS NULL)))'],
  ];
  for (const [what, column, expr, name] of cases) {
    it(`${what}: ${name}`, () => {
      assert.deepEqual(column.expr, expr);
      assert.equal(column.outputName(), name);
    });
  }

  it('when/otherwise builds one CASE with the branches in order', () => {
    const c = when(col('a').gt(1), 'big').when(col('a').equalTo(1), col('b')).otherwise(null);
    assert.deepEqual(c.expr, {
      kind: 'case',
      branches: [
        { when: { kind: 'call', fn: '>', args: [a, one] }, then: { kind: 'lit', value: 'big' } },
        { when: { kind: 'call', fn: '=', args: [a, one] }, then: b },
      ],
      otherwise: { kind: 'lit', value: null },
    });
    assert.equal(c.outputName(), 'CASE WHEN (a > 1) THEN big WHEN (a = 1) THEN b ELSE NULL END');
  });

  it('when without otherwise has no ELSE', () => {
    assert.deepEqual(when(col('a'), 1).expr, { kind: 'case', branches: [{ when: a, then: one }] });
  });

  it('casts to nested types named as Spark SQL names them', () => {
    assert.deepEqual(col('a').cast('ARRAY<STRUCT<x:int, y string>>').expr, {
      kind: 'cast',
      expr: a,
      to: {
        kind: 'array', containsNull: true,
        element: { kind: 'struct', fields: [{ name: 'x', type: { kind: 'int' }, nullable: true }, { name: 'y', type: { kind: 'string' }, nullable: true }] },
      },
    });
    const schema = new StructType([new StructField('x', IntegerType(), false)]);
    assert.deepEqual(col('a').cast(schema).expr, { kind: 'cast', expr: a, to: { kind: 'struct', fields: [{ name: 'x', type: { kind: 'int' }, nullable: false }] } });
  });
});

describe('literals are typed as PySpark types lit()', () => {
  const cases: [string, Column, ExprSpec][] = [
    ['a small integer (int)', lit(7), { kind: 'lit', value: 7 }],
    ['2^31 (bigint by the plan rule: beyond 32 bits)', lit(2147483648), { kind: 'lit', value: 2147483648 }],
    ['a fraction (double)', lit(0.1), { kind: 'lit', value: 0.1 }],
    ['NaN as text, typed double', lit(NaN), { kind: 'lit', value: 'NaN', type: { kind: 'double' } }],
    ['-Infinity as text, typed double', lit(-Infinity), { kind: 'lit', value: '-Infinity', type: { kind: 'double' } }],
    ['a bigint beyond 2^53, as text typed bigint', lit(9007199254740993n), { kind: 'lit', value: '9007199254740993', type: { kind: 'long' } }],
    ['a string', lit('x'), { kind: 'lit', value: 'x' }],
    ['a boolean', lit(true), { kind: 'lit', value: true }],
    ['null', lit(null), { kind: 'lit', value: null }],
    ['a Column, returned as is', lit(col('a')), a],
  ];
  for (const [what, c, expected] of cases) {
    it(what, () => assert.deepEqual(c.expr, expected));
  }

  it('names literals as Spark does: numbers and strings bare, null as NULL', () => {
    assert.equal(lit(1.5).outputName(), '1.5');
    assert.equal(lit('abc').outputName(), 'abc');
    assert.equal(lit(null).outputName(), 'NULL');
  });
});

describe('Column refusals', () => {
  const cases: [string, () => unknown, string][] = [
    ['when on a column not made by when()', () => col('a').when(col('b'), 1), 'when() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied'],
    ['when after otherwise', () => when(col('a'), 1).otherwise(2).when(col('b'), 3), 'when() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied'],
    ['a second otherwise', () => when(col('a'), 1).otherwise(2).otherwise(3), 'otherwise() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied'],
    ['otherwise on a plain column', () => col('a').otherwise(3), 'otherwise() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied'],
    ['a cast to an unknown type', () => col('a').cast('number'), "cannot parse type 'number': unknown type 'number'"],
    ['a cast to float', () => col('a').cast('float'), "type 'float' (in 'float') is not supported yet; use double"],
    ['a cast to decimal(40,2)', () => col('a').cast('decimal(40,2)'), 'Decimal precision 40 exceeds max precision 38'],
    ['a cast to a malformed name', () => col('a').cast('decimal(10,2'), "cannot parse type 'decimal(10,2': expected ')' at position 12"],
    ['getField on an expression', () => col('a').plus(1).getField('x'), "getField('x') on an expression ((a + 1)) is not supported yet; alias the expression, then col('<alias>.x')"],
    ['getItem of an array element', () => col('a').getItem(0), 'getItem(0) (an array element) is not supported yet; arrays are parsed and kept whole for now'],
    ['an empty alias', () => col('a').alias(''), 'alias needs a non-empty name'],
    ['a bigint beyond 64 bits', () => lit(2n ** 63n), 'lit(9223372036854775808n) does not fit a bigint (64 bits); cast a string literal to a decimal instead'],
    ['an integer number beyond 2^53', () => lit(2 ** 60), "lit(1152921504606847000) is an integer beyond 2^53 and may have lost digits; pass a bigint, or lit('1152921504606847000').cast('double') for a double"],
    ['a literal of an object', () => col('a').equalTo({} as never), 'cannot make a literal of object [object Object]; use a string, number, boolean, bigint or null'],
  ];
  for (const [what, call, message] of cases) {
    it(`refuses ${what}`, () => refuses(call, message));
  }
});
