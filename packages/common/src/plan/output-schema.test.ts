import assert from 'node:assert/strict';
import { outputSchema, sparkSchemaJson, typeName } from './output-schema';
import { referenceJobSpec as seedSpec } from '../testing';

describe('outputSchema', () => {
  it('names and types the seed job columns as Spark does', () => {
    const cols = outputSchema(seedSpec());
    assert.deepEqual(
      cols.map((c) => `${c.name} ${typeName(c.type)} ${c.nullable ? 'null' : 'not null'}`),
      [
        'window struct<start:timestamp,end:timestamp> not null',
        'customer_id int null',
        'event_count long not null',
        'total_amount decimal(20,2) null',
      ],
    );
  });

  it('widens a summed decimal(p,s) to decimal(p+10,s), capped at 38', () => {
    const spec = seedSpec();
    spec.parse.schema[2].type = { decimal: [5, 3] };
    assert.equal(typeName(outputSchema(spec)[3].type), 'decimal(15,3)');
    spec.parse.schema[2].type = { decimal: [30, 2] };
    assert.equal(typeName(outputSchema(spec)[3].type), 'decimal(38,2)');
  });

  it("writes Delta's schemaString with Spark's JSON type names", () => {
    const expected =
      '{"type":"struct","fields":[' +
      '{"name":"window","type":{"type":"struct","fields":[' +
      '{"name":"start","type":"timestamp","nullable":true,"metadata":{}},' +
      '{"name":"end","type":"timestamp","nullable":true,"metadata":{}}]},"nullable":false,"metadata":{}},' +
      '{"name":"customer_id","type":"integer","nullable":true,"metadata":{}},' +
      '{"name":"event_count","type":"long","nullable":false,"metadata":{}},' +
      '{"name":"total_amount","type":"decimal(20,2)","nullable":true,"metadata":{}}]}';
    assert.equal(sparkSchemaJson(outputSchema(seedSpec())), expected);
  });
});
