import { strict as assert } from 'node:assert';
import { referenceJobSpec } from '../testing';
import { seedSchemaProblem } from './seed-shape';

describe("the seed's query shape (v1 specs)", () => {
  it('accepts the reference job', () => {
    assert.equal(seedSchemaProblem(referenceJobSpec()), null);
  });

  it("refuses the issue's job with its own field names, naming each difference", () => {
    const spec = referenceJobSpec();
    spec.parse.schema = [
      { name: 'user_id', type: 'int', nullable: true },
      { name: 'kind', type: 'string', nullable: true },
      { name: 'price', type: { decimal: [12, 2] }, nullable: true },
      { name: 'ts', type: 'timestamp', nullable: true },
    ];
    spec.watermark = { column: 'ts', delay: '10 minutes' };
    spec.aggregation = {
      window: { column: 'ts', duration: '1 minute' },
      keys: ['user_id'],
      aggregates: [{ fn: 'count', column: '*', alias: 'n' }, { fn: 'sum', column: 'price', alias: 'revenue' }],
    };
    const problem = seedSchemaProblem(spec)!;
    for (const part of [
      'the schema has no field customer_id int', 'the schema has no field amount decimal(10,2)', 'the schema has no field timestamp timestamp',
      'field user_id is not one of the seed', 'the window is over ts', 'the grouping keys are [user_id]', 'aggregate sum(price)', 'the watermark is on ts',
      'version 2 spec',
    ]) assert.ok(problem.includes(part), `${part} in: ${problem}`);
  });

  it('refuses a seed field of another type', () => {
    const spec = referenceJobSpec();
    spec.parse.schema[2] = { name: 'amount', type: { decimal: [12, 2] }, nullable: true };
    assert.match(seedSchemaProblem(spec)!, /field amount is decimal\(12,2\), not decimal\(10,2\)/);
  });
});
