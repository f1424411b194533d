import assert from 'node:assert/strict';
import { InvalidArgumentError, type SqlType } from '@tributary/common';
import {
  ArrayType, BinaryType, BooleanType, DataType, DateType, DecimalType, DoubleType, IntegerType, LongType, parseDdlSchema, parseTypeName, StringType, StructField,
  StructType, TimestampType,
} from './types';

function refuses(call: () => unknown, message: string): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

describe('the *Type() classes', () => {
  const cases: [string, DataType, SqlType, string][] = [
    ['BooleanType()', BooleanType(), { kind: 'boolean' }, 'boolean'],
    ['IntegerType()', IntegerType(), { kind: 'int' }, 'int'],
    ['LongType()', LongType(), { kind: 'long' }, 'bigint'],
    ['DoubleType()', DoubleType(), { kind: 'double' }, 'double'],
    ['StringType()', StringType(), { kind: 'string' }, 'string'],
    ['BinaryType()', BinaryType(), { kind: 'binary' }, 'binary'],
    ['TimestampType()', TimestampType(), { kind: 'timestamp' }, 'timestamp'],
    ['DateType()', DateType(), { kind: 'date' }, 'date'],
    ['DecimalType() (Spark default 10,0)', DecimalType(), { kind: 'decimal', precision: 10, scale: 0 }, 'decimal(10,0)'],
    ['DecimalType(38, 18)', DecimalType(38, 18), { kind: 'decimal', precision: 38, scale: 18 }, 'decimal(38,18)'],
    ['ArrayType(StringType())', ArrayType(StringType()), { kind: 'array', element: { kind: 'string' }, containsNull: true }, 'array<string>'],
    ['ArrayType(IntegerType(), false)', ArrayType(IntegerType(), false), { kind: 'array', element: { kind: 'int' }, containsNull: false }, 'array<int>'],
  ];
  for (const [what, type, sql, simple] of cases) {
    it(`${what} is ${simple}`, () => {
      assert.deepEqual(type.sqlType, sql);
      assert.equal(type.simpleString(), simple);
    });
  }

  it('StructType holds StructFields (nullable by default) and add() returns a new struct', () => {
    const base = new StructType([new StructField('id', LongType(), false)]);
    const more = base.add('tags', ArrayType(StringType())).add(new StructField('address', new StructType().add('city', 'string')));
    assert.deepEqual(base.fieldNames(), ['id']);
    assert.deepEqual(more.fieldNames(), ['id', 'tags', 'address']);
    assert.deepEqual(more.toSqlFields(), [
      { name: 'id', type: { kind: 'long' }, nullable: false },
      { name: 'tags', type: { kind: 'array', element: { kind: 'string' }, containsNull: true }, nullable: true },
      { name: 'address', type: { kind: 'struct', fields: [{ name: 'city', type: { kind: 'string' }, nullable: true }] }, nullable: true },
    ]);
    assert.equal(more.simpleString(), 'struct<id:bigint,tags:array<string>,address:struct<city:string>>');
  });
});

describe('DDL schemas with NOT NULL and COMMENT, as Spark takes them', () => {
  it('NOT NULL makes a field non-nullable, at the top and inside struct<>; comments are read past', () => {
    const t = parseDdlSchema("ID BIGINT NOT NULL, name STRING COMMENT 'the name, as given', s struct<a: INT not null comment \"x\", b: DATE>");
    assert.deepEqual(t.sqlType, {
      kind: 'struct',
      fields: [
        { name: 'ID', type: { kind: 'long' }, nullable: false },
        { name: 'name', type: { kind: 'string' }, nullable: true },
        { name: 's', type: { kind: 'struct', fields: [
          { name: 'a', type: { kind: 'int' }, nullable: false },
          { name: 'b', type: { kind: 'date' }, nullable: true },
        ] }, nullable: true },
      ],
    });
  });
  it('refuses NOT without NULL and an unclosed comment, naming the position', () => {
    assert.throws(() => parseDdlSchema('a INT NOT, b INT'), /cannot parse type .*position/);
    assert.throws(() => parseDdlSchema("a INT COMMENT 'open"), /unclosed comment/);
  });
});

describe('type names as Spark SQL spells them', () => {
  const cases: [string, SqlType][] = [
    ['int', { kind: 'int' }],
    ['INTEGER', { kind: 'int' }],
    ['bigint', { kind: 'long' }],
    ['long', { kind: 'long' }],
    ['double', { kind: 'double' }],
    ['string', { kind: 'string' }],
    ['boolean', { kind: 'boolean' }],
    ['binary', { kind: 'binary' }],
    ['timestamp', { kind: 'timestamp' }],
    ['date', { kind: 'date' }],
    ['decimal', { kind: 'decimal', precision: 10, scale: 0 }],
    ['decimal(12,2)', { kind: 'decimal', precision: 12, scale: 2 }],
    ['DECIMAL( 5 )', { kind: 'decimal', precision: 5, scale: 0 }],
    ['numeric(38, 38)', { kind: 'decimal', precision: 38, scale: 38 }],
    ['array<bigint>', { kind: 'array', element: { kind: 'long' }, containsNull: true }],
    ['struct<a:int,`b c`:array<date>>', {
      kind: 'struct',
      fields: [
        { name: 'a', type: { kind: 'int' }, nullable: true },
        { name: 'b c', type: { kind: 'array', element: { kind: 'date' }, containsNull: true }, nullable: true },
      ],
    }],
  ];
  for (const [name, type] of cases) {
    it(`'${name}'`, () => assert.deepEqual(parseTypeName(name).sqlType, type));
  }

  const refusals: [string, () => unknown, string][] = [
    ['an unknown name', () => parseTypeName('integr'), "cannot parse type 'integr': unknown type 'integr'"],
    ['smallint', () => parseTypeName('smallint'), "type 'smallint' (in 'smallint') is not supported yet; use int"],
    ['map', () => parseTypeName('map<string,int>'), "type 'map' (in 'map<string,int>') is not supported yet; use a struct"],
    ['trailing text', () => parseTypeName('int int'), "cannot parse type 'int int': unexpected 'int' at position 4"],
    ['a decimal scale above its precision', () => DecimalType(2, 3), 'Decimal scale (3) cannot be greater than precision (2).'],
    ['a decimal precision above 38', () => DecimalType(39, 0), 'Decimal precision 39 exceeds max precision 38'],
    ['a StructField without a DataType', () => new StructField('a', 'int' as never), "StructField('a') needs a DataType such as IntegerType(), got int"],
    ['a StructType of non-fields', () => new StructType([IntegerType() as never]), 'StructType takes StructFields, got int'],
  ];
  for (const [what, call, message] of refusals) {
    it(`refuses ${what}`, () => refuses(call, message));
  }
});
