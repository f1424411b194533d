import { strict as assert } from 'node:assert';
import { AGGREGATE_TABLE_SCHEMA } from '../testing/aggregate-table';
import { decimal, field, parseSchemaString, primitive, sameSchema, struct, toSchemaString, typeName } from './schema';

describe('Delta schema strings', () => {
  it('writes the seed aggregate table as Spark writes it', () => {
    const ts = '{"name":"start","type":"timestamp","nullable":true,"metadata":{}},{"name":"end","type":"timestamp","nullable":true,"metadata":{}}';
    const expected =
      '{"type":"struct","fields":[' +
      `{"name":"window","type":{"type":"struct","fields":[${ts}]},"nullable":true,"metadata":{}},` +
      '{"name":"customer_id","type":"integer","nullable":true,"metadata":{}},' +
      '{"name":"event_count","type":"long","nullable":false,"metadata":{}},' +
      '{"name":"total_amount","type":"decimal(20,2)","nullable":true,"metadata":{}}]}';
    assert.equal(toSchemaString(AGGREGATE_TABLE_SCHEMA), expected);
  });

  it('parses the protocol example with arrays, maps and nested structs', () => {
    const text = `{"type":"struct","fields":[
      {"name":"a","type":"integer","nullable":false,"metadata":{}},
      {"name":"b","type":{"type":"struct","fields":[{"name":"d","type":"integer","nullable":false,"metadata":{}}]},"nullable":true,"metadata":{}},
      {"name":"c","type":{"type":"array","elementType":"integer","containsNull":false},"nullable":true,"metadata":{}},
      {"name":"f","type":{"type":"map","keyType":"string","valueType":"string","valueContainsNull":true},"nullable":true,"metadata":{}}]}`;
    const schema = parseSchemaString(text);
    assert.deepEqual(schema.fields.map((f) => `${f.name}:${typeName(f.type)}:${f.nullable}`), [
      'a:integer:false',
      'b:struct<d:integer>:true',
      'c:array<integer>:true',
      'f:map<string,string>:true',
    ]);
    assert.equal(toSchemaString(schema), JSON.stringify(JSON.parse(text)));
  });

  it('round-trips decimals and compares schemas ignoring metadata', () => {
    const a = struct([field('x', decimal(38, 10)), field('y', primitive('date'), false, { comment: 'c' })]);
    const b = parseSchemaString(toSchemaString(a));
    assert.deepEqual(b.fields[0].type, { kind: 'decimal', precision: 38, scale: 10 });
    assert.ok(sameSchema(a, struct([field('x', decimal(38, 10)), field('y', primitive('date'), false)])));
    assert.ok(!sameSchema(a, struct([field('x', decimal(38, 9)), field('y', primitive('date'), false)])));
  });

  it('refuses types it does not know', () => {
    assert.throws(() => parseSchemaString('{"type":"struct","fields":[{"name":"v","type":"variant","nullable":true,"metadata":{}}]}'), /variant/);
  });
});
