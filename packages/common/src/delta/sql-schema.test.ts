import { strict as assert } from 'node:assert';
import {
  BINARY, BOOLEAN, DATE, DOUBLE, INT, LONG, STRING, TIMESTAMP, arrayType, decimalType, sameField, sqlField, structType,
} from '../schema/sql-type';
import { parseSchemaString, primitive, struct, field, toSchemaString } from './schema';
import { deltaSchemaOf, sqlFieldsOf } from './sql-schema';

const FIELDS = [
  sqlField('flag', BOOLEAN),
  sqlField('n', INT, false),
  sqlField('big', LONG),
  sqlField('x', DOUBLE),
  sqlField('name', STRING),
  sqlField('raw', BINARY),
  sqlField('price', decimalType(12, 2)),
  sqlField('huge', decimalType(38, 0)),
  sqlField('fine', decimalType(38, 18)),
  sqlField('ts', TIMESTAMP, false),
  sqlField('day', DATE),
  sqlField('user', structType([sqlField('id', LONG, false), sqlField('tags', arrayType(STRING, false))])),
  sqlField('matrix', arrayType(arrayType(decimalType(5, 1), true), false)),
  sqlField('points', arrayType(structType([sqlField('at', TIMESTAMP), sqlField('on', DATE)]))),
];

// The schemaString Spark writes for these columns, spelled out by hand from PROTOCOL.md.
const md = '"metadata":{}';
const EXPECTED =
  '{"type":"struct","fields":[' +
  `{"name":"flag","type":"boolean","nullable":true,${md}},` +
  `{"name":"n","type":"integer","nullable":false,${md}},` +
  `{"name":"big","type":"long","nullable":true,${md}},` +
  `{"name":"x","type":"double","nullable":true,${md}},` +
  `{"name":"name","type":"string","nullable":true,${md}},` +
  `{"name":"raw","type":"binary","nullable":true,${md}},` +
  `{"name":"price","type":"decimal(12,2)","nullable":true,${md}},` +
  `{"name":"huge","type":"decimal(38,0)","nullable":true,${md}},` +
  `{"name":"fine","type":"decimal(38,18)","nullable":true,${md}},` +
  `{"name":"ts","type":"timestamp","nullable":false,${md}},` +
  `{"name":"day","type":"date","nullable":true,${md}},` +
  `{"name":"user","type":{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,${md}},` +
  `{"name":"tags","type":{"type":"array","elementType":"string","containsNull":false},"nullable":true,${md}}]},"nullable":true,${md}},` +
  `{"name":"matrix","type":{"type":"array","elementType":{"type":"array","elementType":"decimal(5,1)","containsNull":true},"containsNull":false},"nullable":true,${md}},` +
  `{"name":"points","type":{"type":"array","elementType":{"type":"struct","fields":[{"name":"at","type":"timestamp","nullable":true,${md}},` +
  `{"name":"on","type":"date","nullable":true,${md}}]},"containsNull":true},"nullable":true,${md}}` +
  ']}';

describe('SqlFields as a Delta schema', () => {
  it('serialises every SQL type as Spark spells it in schemaString', () => {
    assert.equal(toSchemaString(deltaSchemaOf(FIELDS)), EXPECTED);
  });

  it('reads the schemaString back into the same fields, nullability and containsNull included', () => {
    const back = sqlFieldsOf(parseSchemaString(EXPECTED));
    assert.equal(back.length, FIELDS.length);
    back.forEach((f, i) => assert.ok(sameField(f, FIELDS[i]), `${f.name} round-trips`));
  });

  it('refuses Delta types Tributary has no SQL type for, naming the column', () => {
    for (const t of ['short', 'byte', 'float', 'timestamp_ntz'] as const) {
      assert.throws(() => sqlFieldsOf(struct([field('a', struct([field('b', primitive(t))]))])), new RegExp(`'a\\.b' has Delta type ${t}`));
    }
    const map = struct([field('m', { kind: 'map', keyType: primitive('string'), valueType: primitive('long'), valueContainsNull: true })]);
    assert.throws(() => sqlFieldsOf(map), /'m' has Delta type map/);
  });

  it('refuses names that are equal regardless of case, at any level', () => {
    assert.throws(() => deltaSchemaOf([sqlField('Id', INT), sqlField('id', LONG)]), /'Id' and 'id' differ only in case/);
    assert.throws(() => deltaSchemaOf([sqlField('s', structType([sqlField('a', INT), sqlField('A', INT)]))]), /'a' and 'A'/);
  });
});
