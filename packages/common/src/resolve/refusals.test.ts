import assert from 'node:assert/strict';
import type { LogicalOp, QuerySpecV2 } from '../plan/logical-plan';
import { APPEND_WITHOUT_WATERMARK } from '../plan/validate-spec';
import { arrayType, decimalType, INT, sqlField, STRING, structType, TIMESTAMP } from '../schema/sql-type';
import { QueryResolutionError } from './problem';
import { alias, call, col, lit, parse, resolve, specOf, window } from '../testing/plan-builders';

const schema = [
  sqlField('user_id', INT), sqlField('kind', STRING), sqlField('price', decimalType(12, 2)), sqlField('ts', TIMESTAMP),
  sqlField('created', TIMESTAMP), sqlField('address', structType([sqlField('city', STRING)])), sqlField('tags', arrayType(STRING)),
  sqlField('big', decimalType(19, 2)),
];
const parsed: LogicalOp[] = [{ op: 'select', exprs: [parse(schema)] }, { op: 'select', exprs: [col('data.*')] }];
const watermark: LogicalOp = { op: 'withWatermark', column: 'ts', delay: '10 minutes' };
const count = alias(call('count'), 'n');

function problems(spec: QuerySpecV2): readonly string[] {
  try {
    resolve(spec);
  } catch (e) {
    assert.ok(e instanceof QueryResolutionError, `expected a QueryResolutionError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the spec was accepted');
}

/** [what is wrong, the spec, the exact problems]. */
const cases: [string, QuerySpecV2, string[]][] = [
  ['an unknown column, with the closest names first', specOf([...parsed, { op: 'select', exprs: [col('user')] }]), [
    '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `user` cannot be resolved. Did you mean one of the following? [`user_id`, `ts`, `kind`, `tags`, `big`].',
  ]],
  ['an unknown Kafka column', specOf([{ op: 'select', exprs: [col('key'), col('offset')] }, { op: 'filter', condition: call('=', col('ofset'), lit(1)) }]), [
    '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `ofset` cannot be resolved. Did you mean one of the following? [`offset`, `key`].',
  ]],
  ['an unknown field of a struct', specOf([...parsed, { op: 'select', exprs: [col('address.town')] }]), [
    '[FIELD_NOT_FOUND] No such struct field `town` in `city`.',
  ]],
  ['a field of a column that is not a struct', specOf([...parsed, { op: 'select', exprs: [col('kind.x')] }]), [
    '[INVALID_EXTRACT_BASE_FIELD_TYPE] Can\'t extract a value from "kind". Need a complex type [STRUCT, ARRAY, MAP] but got "STRING".',
  ]],
  ['a name two columns answer to, but for case', specOf([...parsed, { op: 'select', exprs: [col('kind'), alias(col('user_id'), 'KIND')] }, { op: 'select', exprs: [col('Kind')] }]), [
    '[AMBIGUOUS_REFERENCE] Reference `Kind` is ambiguous, could be: [`kind`, `KIND`].',
  ]],
  ['every unknown column of a select at once', specOf([...parsed, { op: 'select', exprs: [col('a1'), col('kind'), col('b2')] }]), [
    '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `a1` cannot be resolved. Did you mean one of the following? [`ts`, `tags`, `big`, `kind`, `price`].',
    '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `b2` cannot be resolved. Did you mean one of the following? [`ts`, `big`, `kind`, `tags`, `price`].',
  ]],
  ['append mode on an aggregation without a watermark', specOf([...parsed, { op: 'aggregate', keys: [window('ts', '1 minute')], aggregates: [count] }]), [
    APPEND_WITHOUT_WATERMARK,
  ]],
  ['append mode on a group-by without a window', specOf([...parsed, watermark, { op: 'aggregate', keys: [col('kind')], aggregates: [count] }]), [
    'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark: group by window(<watermark column>, <duration>) or use complete mode for a group-by without window',
  ]],
  ['append mode when the watermarked column was dropped before the aggregation', specOf([
    ...parsed, watermark, { op: 'withColumn', name: 't2', expr: col('created') }, { op: 'drop', columns: ['ts'] },
    { op: 'aggregate', keys: [window('t2', '1 minute')], aggregates: [count] },
  ]), [APPEND_WITHOUT_WATERMARK]],
  ['complete mode without an aggregation', specOf(parsed, { outputMode: 'complete' }), [
    'Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets',
  ]],
  ['update mode without an aggregation', specOf(parsed, { outputMode: 'update' }), [
    'Update output mode into Delta merges result rows by their window and grouping keys, so it needs a streaming aggregation; without one every row is new: use append mode',
  ]],
  ['update mode whose output drops a grouping key, partitioned', specOf([
    ...parsed, { op: 'aggregate', keys: [col('kind'), col('user_id')], aggregates: [count] }, { op: 'select', exprs: [col('kind'), col('n')] },
  ], { outputMode: 'update', partitionBy: ['kind'] }), [
    'update mode merges rows into the table by their window and grouping keys, so each must be an output column as it is (renaming is fine); not in the output as they are: user_id',
    'partitionBy is not supported in update mode: its files are laid out by shuffle partition and window range (docs/update-mode.md)',
  ]],
  ['a struct grouping key and an array grouping key', specOf([...parsed, { op: 'aggregate', keys: [col('address'), col('tags')], aggregates: [count] }], { outputMode: 'complete' }), [
    'grouping key address is struct<city:string>; grouping keys must be of a scalar type (boolean, int, bigint, double, decimal, string, binary, date, timestamp)',
    'grouping key tags is array<string>; grouping keys must be of a scalar type (boolean, int, bigint, double, decimal, string, binary, date, timestamp)',
  ]],
  ['a partition column that is not an output column, and one that is a struct', specOf(parsed, { partitionBy: ['day', 'address'] }), [
    'partitionBy column "day" is not an output column; output columns: user_id, kind, price, ts, created, address, tags, big',
    "partitionBy column 'address' is struct<city:string>; Delta partition columns must be of a primitive type",
  ]],
  ['every column a partition column', specOf([...parsed, { op: 'select', exprs: [col('kind')] }], { partitionBy: ['kind'] }), [
    'cannot use all columns for partition columns (Delta needs at least one data column)',
  ]],
  ['a watermark on a column that is not a timestamp', specOf([...parsed, { op: 'withWatermark', column: 'kind', delay: '1 minute' }]), [
    '[EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE] The event time `kind` has the invalid type "STRING", but expected "TIMESTAMP".',
  ]],
  ['a watermark on another column than the window', specOf([...parsed, watermark, { op: 'aggregate', keys: [window('created', '1 minute')], aggregates: [count] }]), [
    "the watermark is on column 'ts' but the window is on 'created'; the watermark must be on the window's time column",
  ]],
  ['a window over a string', specOf([...parsed, watermark, { op: 'aggregate', keys: [window('kind', '1 minute')], aggregates: [count] }]), [
    'window column kind must be a timestamp, but it is string',
  ]],
  ['a window of zero length', specOf([...parsed, watermark, {
    op: 'aggregate', keys: [window('ts', '0 seconds')], aggregates: [count],
  }]), ["window duration must be positive, got '0 seconds'"]],
  ['a window slide longer than the window', specOf([...parsed, watermark, {
    op: 'aggregate', keys: [{ kind: 'window', column: col('ts'), duration: '5 minutes', slide: '10 minutes' }], aggregates: [count],
  }]), ["window slide '10 minutes' must be less than or equal to the window duration '5 minutes'"]],
  ['a window startTime as long as the slide', specOf([...parsed, watermark, {
    op: 'aggregate', keys: [{ kind: 'window', column: col('ts'), duration: '10 minutes', slide: '1 minute', startTime: '-60 seconds' }], aggregates: [count],
  }]), ["the absolute value of window startTime '-60 seconds' must be less than the slide '1 minute'"]],
  ['two windows', specOf([...parsed, watermark, { op: 'aggregate', keys: [window('ts', '1 minute'), window('ts', '2 minutes')], aggregates: [count] }]), [
    'Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.',
  ]],
  ['two aggregations', specOf([...parsed, { op: 'aggregate', keys: [col('kind')], aggregates: [count] }, { op: 'aggregate', keys: [col('kind')], aggregates: [count] }], { outputMode: 'complete' }), [
    'Multiple streaming aggregations are not supported with streaming DataFrames/Datasets',
  ]],
  ['a sum and an avg over strings', specOf([...parsed, { op: 'aggregate', keys: [col('kind')], aggregates: [alias(call('sum', col('kind')), 's'), alias(call('avg', col('kind')), 'a')] }], { outputMode: 'complete' }), [
    '[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "sum(kind)" due to data type mismatch: the input must be numeric (int, bigint, double, decimal), but kind is string',
    '[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "avg(kind)" due to data type mismatch: the input must be numeric (int, bigint, double, decimal), but kind is string',
  ]],
  ['approx_count_distinct with an rsd that is not a double literal, or too large', specOf([...parsed, { op: 'aggregate', keys: [col('kind')], aggregates: [
    alias(call('approx_count_distinct', col('kind'), col('price')), 'a'),
    alias(call('approx_count_distinct', col('kind'), { kind: 'lit', value: '0.5', type: { kind: 'double' } }), 'b'),
  ] }], { outputMode: 'complete' }), [
    'The second argument in approx_count_distinct should be a double literal',
    'approx_count_distinct: HLL++ requires at least 4 bits for addressing. Use a lower error, at most 39% (got rsd 0.5)',
  ]],
  ['an aggregate that is not an aggregate function', specOf([...parsed, { op: 'aggregate', keys: [col('kind')], aggregates: [col('price')] }], { outputMode: 'complete' }), [
    'agg(...) takes aggregate functions (count, sum, avg, min, max, approx_count_distinct), optionally aliased; price is not one (expressions over aggregates are not supported yet: compute them with withColumn after agg)',
  ]],
  ['an aggregate function outside agg', specOf([...parsed, { op: 'select', exprs: [call('sum', col('price'))] }]), [
    'aggregate function sum() is only allowed in groupBy(...).agg(...) (global aggregations without groupBy are not supported yet)',
  ]],
  ['a filter that is not boolean', specOf([...parsed, { op: 'filter', condition: col('kind') }]), [
    '[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN] Cannot resolve "kind" in filter: the filter expression must be BOOLEAN, but it is STRING',
  ]],
  ['two from_json', specOf([{ op: 'select', exprs: [parse(schema), parse(schema, 'again')] }]), [
    'only one from_json over the Kafka value is supported in a query',
  ]],
  ['from_json over the key', specOf([{ op: 'select', exprs: [alias({ kind: 'fromJson', expr: { kind: 'cast', expr: col('key'), to: STRING }, schema }, 'd')] }]), [
    "from_json over CAST(key AS STRING) is not supported: parse the Kafka value, from_json(col('value').cast('string'), schema)",
  ]],
  ['from_json after the aggregation', specOf([...parsed, { op: 'aggregate', keys: [col('kind')], aggregates: [count] }, { op: 'select', exprs: [parse(schema)] }], { outputMode: 'complete' }), [
    'from_json is only supported over the Kafka value before the aggregation',
  ]],
  ['a window outside groupBy', specOf([...parsed, { op: 'select', exprs: [window('ts', '1 minute')] }]), [
    'window(...) is only allowed as a grouping key: groupBy(window(<timestamp column>, <duration>), …)',
  ]],
  ['output names Delta refuses, and a name twice but for case', specOf([...parsed, { op: 'select', exprs: [col('kind'), alias(col('user_id'), 'Kind'), alias(col('ts'), 'event time')] }]), [
    "output column 'Kind' appears twice (as 'kind'; Delta column names are case-insensitive)",
    'output column name "event time" contains invalid character(s) among \' ,;{}()\\n\\t=\' that Delta refuses; give it an alias',
  ]],
  ['a function the catalog refuses', specOf([...parsed, { op: 'select', exprs: [call('soundex', col('kind'))] }]), [
    'the fake catalog does not type soundex',
  ]],
  ['problems of the source, trigger and options beside the plan’s', (() => {
    const s = specOf([...parsed, { op: 'select', exprs: [col('nope')] }], {}, { shufflePartitions: 0, timeZone: 'Europe/Paris' });
    s.source.topic = '';
    s.trigger = { kind: 'processingTime', interval: '1 month' };
    return s;
  })(), [
    "no topic: set option('subscribe', '<topic>') on readStream",
    "trigger interval: cannot parse duration \"1 month\": 'month' has no fixed length; use days or weeks",
    'shufflePartitions must be an integer in 1..10000, got 0',
    'time zone "Europe/Paris" is not supported yet; use \'UTC\' or a fixed offset such as \'+02:00\'',
    '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved. Did you mean one of the following? [`kind`, `price`, `ts`, `tags`, `big`].',
  ]],
  ['a source problem and the output mode check together', (() => {
    const s = specOf([...parsed, { op: 'aggregate', keys: [window('ts', '1 minute')], aggregates: [count] }]);
    s.source.failOnDataLoss = 'yes' as unknown as boolean;
    return s;
  })(), ['failOnDataLoss must be true or false, got "yes"', APPEND_WITHOUT_WATERMARK]],
  ['a star over a column that is not a struct', specOf([...parsed, { op: 'select', exprs: [col('kind.*')] }]), [
    '[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve kind.* given input columns: kind is string, not a struct',
  ]],
  ['a star inside an expression', specOf([...parsed, { op: 'select', exprs: [call('lower', col('*'))] }]), [
    "[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '*' in expression \"*\"; '*' and 'a.*' are allowed in select only",
  ]],
  ['a watermark on a nested field', specOf([{ op: 'select', exprs: [parse(schema)] }, { op: 'withWatermark', column: 'data.ts', delay: '1 minute' }]), [
    'withWatermark needs a top-level column; add the field data.ts as a column with withColumn first',
  ]],
  ['two watermarks', specOf([...parsed, watermark, { op: 'withWatermark', column: 'created', delay: '1 minute' }]), [
    'only one withWatermark is supported in a query',
  ]],
  ['a from_json schema with a binary field', specOf([{ op: 'select', exprs: [parse([sqlField('b', { kind: 'binary' })])] }]), [
    "from_json: field 'b' is binary, which JSON does not carry; declare it as string",
  ]],
  ['a from_json schema with an invalid decimal', specOf([{ op: 'select', exprs: [parse([sqlField('d', decimalType(39, 2))])] }]), [
    "from_json schema, field 'd': decimal(39,2) is not a valid type: precision must be 1..38 and scale 0..precision",
  ]],
  ['a from_json schema naming a field twice', specOf([{ op: 'select', exprs: [parse([sqlField('a', INT), sqlField('A', STRING)])] }]), [
    "from_json schema: field 'A' appears twice",
  ]],
  ['a cast to an unknown type', specOf([...parsed, { op: 'select', exprs: [{ kind: 'cast', expr: col('kind'), to: { kind: 'varchar' } as never }] }]), [
    'cast: unknown type "varchar"',
  ]],
  ['a typed literal that does not fit its type', specOf([...parsed, { op: 'select', exprs: [alias(call('=', col('price'), lit('1.234', decimalType(12, 2))), 'x')] }]), [
    'the literal "1.234" cannot be typed as DECIMAL(12,2): more than 2 decimal places',
  ]],
  ['a spec of another version', { ...specOf(parsed), version: 1 as unknown as 2 }, [
    'unknown query spec version 1; the resolver reads version 2 (upgradeSpec turns version 1 into it)',
  ]],
];

describe('resolveQuery refusals', () => {
  for (const [what, spec, expected] of cases) {
    it(`names ${what}`, () => {
      assert.deepEqual(problems(spec), expected);
    });
  }

  it("names unaliased columns as Spark's toPrettySQL does (Delta then refuses the parentheses)", () => {
    const spec = specOf([...parsed, {
      op: 'select',
      exprs: [
        call('>', col('price'), lit(10)),
        { kind: 'cast', expr: col('user_id'), to: { kind: 'long' } },
        call('date_format', col('ts'), lit('yyyy-MM-dd')),
        call('!=', col('kind'), lit('a')),
        call('isnotnull', col('kind')),
        call('between', col('user_id'), lit(1), lit(5)),
        call('+', col('user_id'), lit(1, { kind: 'double' })),
        { kind: 'case', branches: [{ when: call('>', col('user_id'), lit(1)), then: lit('big') }], otherwise: lit('small') },
        call('lower', col('address.city')),
      ],
    }]);
    const names = problems(spec).map((p) => /^output column name "(.*)" contains/.exec(p)?.[1] ?? p);
    assert.deepEqual(names, [
      '(price > 10)',
      'CAST(user_id AS BIGINT)',
      'date_format(ts, yyyy-MM-dd)',
      '(NOT (kind = a))',
      '(kind IS NOT NULL)',
      '((user_id >= 1) AND (user_id <= 5))',
      '(user_id + 1.0)',
      'CASE WHEN (user_id > 1) THEN big ELSE small END',
      'lower(address.city)',
    ]);
  });

  it('names unaliased aggregates count(1), sum(price), avg(price) and keeps expression keys by their pretty names', () => {
    const spec = specOf([...parsed, {
      op: 'aggregate', keys: [call('lower', col('kind'))], aggregates: [call('count'), call('sum', col('price')), call('avg', col('PRICE')), call('count', col('kind'))],
    }], { outputMode: 'complete' });
    const names = problems(spec).map((p) => /^output column name "(.*)" contains/.exec(p)?.[1] ?? p);
    assert.deepEqual(names, ['lower(kind)', 'count(1)', 'sum(price)', 'avg(price)', 'count(kind)']);
  });
});

describe('resolveQuery on specs from the wire', () => {
  it('throws only QueryResolutionError, whatever value replaces any part of a spec', () => {
    const full = (): QuerySpecV2 => {
      const s = specOf([
        ...parsed,
        { op: 'filter', condition: call('>', col('price'), lit(1)) },
        { op: 'withColumn', name: 'x', expr: { kind: 'case', branches: [{ when: call('>', col('user_id'), lit(1)), then: lit('a') }], otherwise: lit(null) } },
        { op: 'withColumnRenamed', from: 'x', to: 'y' },
        { op: 'drop', columns: ['y'] },
        watermark,
        { op: 'aggregate', keys: [window('ts', '1 minute'), col('kind')], aggregates: [count, alias(call('sum', col('price')), 's')] },
        { op: 'withColumn', name: 'day', expr: call('to_date', col('window.start')) },
      ], { partitionBy: ['day'] }, { lateRows: 'table', maxEventTimeAhead: '1 hour', timeZone: '+01:00' });
      return s;
    };
    assert.equal(resolve(full()).output.length, 5);
    const locations: string[][] = [];
    const walk = (v: unknown, at: string[]): void => {
      if (v === null || typeof v !== 'object') return;
      for (const k of Object.keys(v)) { locations.push([...at, k]); walk((v as Record<string, unknown>)[k], [...at, k]); }
    };
    walk(full(), []);
    let probes = 0;
    for (const at of locations) {
      for (const odd of [null, undefined, 7, 'x', true, [], {}, [null], { kind: 'col' }, { op: 'select' }]) {
        const s = full() as unknown as Record<string, unknown>;
        let parent = s;
        for (const k of at.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
        parent[at[at.length - 1]] = odd;
        try {
          resolve(s as unknown as QuerySpecV2);
        } catch (e) {
          assert.ok(e instanceof QueryResolutionError, `${at.join('.')} = ${JSON.stringify(odd)}: ${(e as Error).stack}`);
        }
        probes++;
      }
    }
    assert.ok(probes > 1000, `${probes} probes`);
  });
});
