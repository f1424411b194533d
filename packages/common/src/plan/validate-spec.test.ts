import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../errors';
import type { QuerySpec } from './query-spec';
import { referenceJobSpec as seedSpec } from '../testing';
import { assertValidSpec, validateSpec } from './validate-spec';
import { isolationLevelOf } from './kafka-options';

const AVAILABLE = 'available columns: customer_id, event_type, amount, timestamp';

/** [what is wrong, how to break the seed spec, the exact problems expected]. */
const cases: [string, (s: QuerySpec) => void, string[]][] = [
  ['an unknown isolation level', (s) => { s.source.kafkaOptions = { 'isolation.level': 'READ_COMMITTED' }; }, [
    'kafka.isolation.level must be \'read_uncommitted\' or \'read_committed\', got "READ_COMMITTED"',
  ]],
  ['TLS, SASL and other kafka.* options, each by name', (s) => {
    s.source.kafkaOptions = { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'ssl.truststore.location': '/t', 'client.id': 'me' };
  }, [
    "kafka source option 'kafka.security.protocol' is not supported yet: TLS and SASL come in a later step; brokers are reached in plaintext for now; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level",
    "kafka source option 'kafka.sasl.mechanism' is not supported yet: TLS and SASL come in a later step; brokers are reached in plaintext for now; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level",
    "kafka source option 'kafka.ssl.truststore.location' is not supported yet: TLS and SASL come in a later step; brokers are reached in plaintext for now; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level",
    "kafka source option 'kafka.client.id' is not supported: Tributary reads Kafka with its own clients, which do not honour it; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level",
  ]],
  ['a consumer group id', (s) => { s.source.kafkaOptions = { 'group.id': 'g' }; }, [
    "kafka source option 'kafka.group.id' is not supported yet: Tributary tracks offsets in its checkpoint, not in a consumer group; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level",
  ]],
  ['bootstrap servers inside kafkaOptions', (s) => { s.source.kafkaOptions = { 'bootstrap.servers': 'k:9092' }; }, [
    "kafka.bootstrap.servers belongs in the source's bootstrapServers, not in kafkaOptions",
  ]],
  ['kafkaOptions that are not an object', (s) => { (s.source as { kafkaOptions: unknown }).kafkaOptions = ['isolation.level']; }, [
    'kafkaOptions must be an object of kafka.* option values, got ["isolation.level"]',
  ]],
  ['an unknown watermark column', (s) => { s.watermark = { column: 'ts', delay: '10 minutes' }; }, [
    `unknown column 'ts' in watermark; ${AVAILABLE}`,
    "the watermark is on column 'ts' but the window is on 'timestamp'; the watermark must be on the window's time column",
  ]],
  ['an unknown window column', (s) => { s.aggregation.window.column = 'event_time'; s.watermark!.column = 'event_time'; }, [
    `unknown column 'event_time' in watermark; ${AVAILABLE}`,
    `unknown column 'event_time' in window; ${AVAILABLE}`,
  ]],
  ['an unknown grouping key', (s) => { s.aggregation.keys = ['customer']; }, [
    `unknown column 'customer' in grouping keys; ${AVAILABLE}`,
  ]],
  ['an unknown summed column', (s) => { s.aggregation.aggregates[1] = { fn: 'sum', column: 'amt', alias: 'total_amount' }; }, [
    `unknown column 'amt' in sum(amt); ${AVAILABLE}`,
  ]],
  ['a window over a non-timestamp column', (s) => { s.aggregation.window.column = 'amount'; s.watermark!.column = 'amount'; }, [
    "window column 'amount' must be a timestamp, but it is decimal(10,2)",
  ]],
  ['a watermark on another column than the window', (s) => {
    s.parse.schema.push({ name: 'ingested', type: 'timestamp', nullable: true });
    s.watermark!.column = 'ingested';
  }, ["the watermark is on column 'ingested' but the window is on 'timestamp'; the watermark must be on the window's time column"]],
  ['a sum over a string column', (s) => { s.aggregation.aggregates[1] = { fn: 'sum', column: 'event_type', alias: 'x' }; }, [
    "sum(event_type) needs a numeric column, but 'event_type' is string",
  ]],
  ['a sum over an int column', (s) => { s.aggregation.aggregates[1] = { fn: 'sum', column: 'customer_id', alias: 'x' }; }, [
    "sum over int column 'customer_id' is not supported yet; sum a decimal column with precision at most 18",
  ]],
  ['a sum over a decimal wider than 18 digits', (s) => { s.parse.schema[2].type = { decimal: [19, 2] }; }, [
    "sum over decimal(19,2) column 'amount' is not supported yet; the precision must be at most 18",
  ]],
  ['append mode on an aggregation without a watermark', (s) => { delete s.watermark; }, [
    'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark',
  ]],
  ['update mode into Delta', (s) => { s.sink.outputMode = 'update'; }, [
    'Data source delta does not support Update output mode (as in Spark, the Delta sink refuses it); use append or complete',
  ]],
  ['an unknown output mode', (s) => { (s.sink as { outputMode: string }).outputMode = 'upsert'; }, [
    "unknown output mode 'upsert'; use append, complete or update",
  ]],
  ['an unparseable watermark delay', (s) => { s.watermark!.delay = 'ten minutes'; }, [
    'watermark delay: cannot parse duration "ten minutes": expected a number followed by a unit, e.g. \'10 minutes\'',
  ]],
  ['an unparseable window duration', (s) => { s.aggregation.window.duration = '5 minuts'; }, [
    "window duration: cannot parse duration \"5 minuts\": unknown unit 'minuts' (use microseconds, milliseconds, seconds, minutes, hours, days or weeks)",
  ]],
  ['an unparseable trigger interval', (s) => { s.trigger = { kind: 'processingTime', interval: '1 month' }; }, [
    "trigger interval: cannot parse duration \"1 month\": 'month' has no fixed length; use days or weeks",
  ]],
  ['a window of zero length', (s) => { s.aggregation.window.duration = '0 seconds'; }, [
    "window duration must be positive, got '0 seconds'",
  ]],
  ['a sliding window', (s) => { s.aggregation.window.slide = '1 minute'; }, [
    "sliding windows (slide '1 minute') are not supported yet; use tumbling windows",
  ]],
  ['no checkpoint location', (s) => { s.sink.checkpointLocation = ''; }, [
    "no checkpoint location: set option('checkpointLocation', '<path>') on writeStream",
  ]],
  ['no output path', (s) => { s.sink.path = ' '; }, ["no output path: call start('<table path>')"]],
  ['a missing topic', (s) => { s.source.topic = ''; }, ["no topic: set option('subscribe', '<topic>') on readStream"]],
  ['several topics', (s) => { s.source.topic = 'a,b'; }, [
    "subscribing to several topics ('a,b') is not supported yet; subscribe to one topic",
  ]],
  ['missing bootstrap servers', (s) => { s.source.bootstrapServers = ''; }, [
    "no bootstrap servers: set option('kafka.bootstrap.servers', 'host:port') on readStream",
  ]],
  ['a bootstrap server without a port', (s) => { s.source.bootstrapServers = 'k1:9092,k2'; }, ["bootstrap server 'k2' is not host:port"]],
  ['maxOffsetsPerTrigger of zero', (s) => { s.source.maxOffsetsPerTrigger = 0; }, ['maxOffsetsPerTrigger must be a positive integer, got 0']],
  ['a fractional maxOffsetsPerTrigger', (s) => { s.source.maxOffsetsPerTrigger = 2.5; }, ['maxOffsetsPerTrigger must be a positive integer, got 2.5']],
  ['startingOffsets that are not JSON', (s) => { (s.source as { startingOffsets: unknown }).startingOffsets = '{"customer_events":{0:1}}'; }, [
    `startingOffsets is not valid JSON: "{\\"customer_events\\":{0:1}}" (${jsonError('{"customer_events":{0:1}}')})`,
  ]],
  ['startingOffsets naming another topic and a bad offset', (s) => { s.source.startingOffsets = { other: { '0': -3 } }; }, [
    "startingOffsets names topic 'other', but the query subscribes to 'customer_events'",
    "startingOffsets for partition 0 of 'other' must be an offset ≥ 0, -2 (earliest) or -1 (latest), got -3",
  ]],
  ['startingOffsets with a non-numeric partition', (s) => { s.source.startingOffsets = { customer_events: { x: 5 } }; }, [
    "startingOffsets names partition 'x' of 'customer_events': partitions are integers ≥ 0",
  ]],
  ['shufflePartitions of zero', (s) => { s.options.shufflePartitions = 0; }, ['shufflePartitions must be an integer in 1..10000, got 0']],
  ['shufflePartitions above 10000', (s) => { s.options.shufflePartitions = 10001; }, ['shufflePartitions must be an integer in 1..10000, got 10001']],
  ['partitionBy an unknown output column', (s) => { s.sink.partitionBy = ['day']; }, [
    "partitionBy column 'day' is not an output column; output columns: window, customer_id, event_count, total_amount",
  ]],
  ['partitionBy the window struct', (s) => { s.sink.partitionBy = ['window']; }, [
    "partitionBy column 'window' is a struct; Delta partition columns must be of a primitive type",
  ]],
  ['two grouping keys', (s) => { s.aggregation.keys = ['customer_id', 'event_type']; }, [
    'grouping by 2 columns besides the window is not supported yet; group by the window and exactly one int column',
    "grouping by string column 'event_type' is not supported yet; the key must be an int column",
  ]],
  ['no grouping key', (s) => { s.aggregation.keys = []; }, [
    'grouping by the window alone is not supported yet; group by the window and exactly one int column',
  ]],
  ['a string grouping key', (s) => { s.aggregation.keys = ['event_type']; }, [
    "grouping by string column 'event_type' is not supported yet; the key must be an int column",
  ]],
  ['an avg aggregate', (s) => { (s.aggregation.aggregates as unknown[])[1] = { fn: 'avg', column: 'amount', alias: 'a' }; }, [
    "aggregate function 'avg' is not supported yet; use count('*') and sum(<decimal column>)",
  ]],
  ['count of a column', (s) => { (s.aggregation.aggregates as unknown[])[0] = { fn: 'count', column: 'amount', alias: 'n' }; }, [
    "count(amount) is not supported yet; use count('*')",
  ]],
  ['an output name Delta refuses', (s) => { s.aggregation.aggregates[0].alias = 'count(1)'; }, [
    "output column name \"count(1)\" contains invalid character(s) among ' ,;{}()\\n\\t=' that Delta refuses; give it an alias",
  ]],
  ['two outputs with one name', (s) => { s.aggregation.aggregates[1].alias = 'event_count'; }, ["output column 'event_count' appears twice"]],
  ['a time zone by region name', (s) => { s.parse.timeZone = 'Europe/Madrid'; }, [
    "time zone 'Europe/Madrid' is not supported yet; use 'UTC' or a fixed offset such as '+02:00'",
  ]],
  ['an invalid decimal type', (s) => { s.parse.schema[2].type = { decimal: [10, 12] }; }, [
    "decimal(10,12) of column 'amount' is not a valid type: precision must be 1..38 and scale 0..precision",
  ]],
  ['a column twice in the schema', (s) => { s.parse.schema.push({ name: 'amount', type: 'string', nullable: true }); }, [
    "column 'amount' appears twice in the schema",
  ]],
  ['an unknown badRecords policy', (s) => { (s.options as { badRecords: string }).badRecords = 'ignore'; }, [
    'badRecords must be \'quarantine\', \'fail\' or \'drop\', got "ignore"',
  ]],
  ['an unknown lateRows policy', (s) => { (s.options as { lateRows: string }).lateRows = 'keep'; }, ['lateRows must be \'drop\' or \'table\', got "keep"']],
  ['an unparseable event-time guard skew', (s) => { s.options.maxEventTimeAhead = 'a day or so'; }, [
    'maxEventTimeAhead: cannot parse duration "a day or so": expected a number followed by a unit, e.g. \'10 minutes\'',
  ]],
  ['a zero event-time guard skew', (s) => { s.options.maxEventTimeAhead = '0 seconds'; }, ["maxEventTimeAhead must be positive, got '0 seconds'"]],
  ['a quarantine table on the sink path', (s) => { s.options.quarantinePath = '/delta/customer_aggregates/'; }, [
    "quarantinePath '/delta/customer_aggregates' is the same location as the table path; each needs a location of its own",
  ]],
  ['an empty late-rows path', (s) => { s.options.lateRowsPath = ' '; }, ['lateRowsPath must be a table path, got " "']],
  ['both side tables at one path', (s) => { s.options.quarantinePath = '/side'; s.options.lateRowsPath = '/side/'; s.options.lateRows = 'table'; }, [
    "lateRowsPath '/side' is the same location as quarantinePath; each needs a location of its own",
  ]],
  ['a relative table path', (s) => { s.sink.path = 'delta/out'; }, [
    "the table path 'delta/out' is a relative path; give an absolute path (the driver does not resolve paths against its own working directory)",
    "quarantinePath 'delta/out_quarantine' is a relative path; give an absolute path (the driver does not resolve paths against its own working directory)",
  ]],
  ['a side table under /proc', (s) => { s.options.quarantinePath = '/proc/self/q'; }, [
    "quarantinePath '/proc/self/q' is under /proc, a system directory; tables and checkpoints cannot live there",
  ]],
  ['a checkpoint inside the table', (s) => { s.sink.checkpointLocation = '/delta/customer_aggregates/_cp'; }, [
    "checkpointLocation '/delta/customer_aggregates/_cp' is inside the table path '/delta/customer_aggregates'; each needs a location of its own",
  ]],
  ['a table inside its checkpoint, written with ..', (s) => { s.sink.path = '/checkpoints/x/../customers/t'; }, [
    "the table path '/checkpoints/customers/t' is inside checkpointLocation '/checkpoints/customers'; each needs a location of its own",
    "quarantinePath '/checkpoints/customers/t_quarantine' is inside checkpointLocation '/checkpoints/customers'; each needs a location of its own",
  ]],
  ['a topic that is a path', (s) => { s.source.topic = '../../etc'; }, [
    `topic "../../etc" is not a legal Kafka topic name: Kafka topic names use only ASCII letters, digits, '.', '_' and '-'`,
  ]],
  ['the topic ..', (s) => { s.source.topic = '..'; }, [`topic ".." is not a legal Kafka topic name: '.' and '..' are not allowed`]],
  ['a topic name longer than 249 characters', (s) => { s.source.topic = 'a'.repeat(250); }, [
    `topic "${'a'.repeat(80)}…" is not a legal Kafka topic name: it is 250 characters long, more than 249`,
  ]],
  ['a null in the schema', (s) => { (s.parse.schema as unknown[]).push(null); }, [
    "parse.schema[4] must be a field { name: '<column>', type: 'int' | 'long' | 'string' | 'timestamp' | 'double' | 'boolean' | { decimal: [p, s] } }, got null",
  ]],
  ['a null among the aggregates and keys', (s) => { (s.aggregation.aggregates as unknown[])[0] = null; (s.aggregation.keys as unknown[]).push(null); }, [
    'aggregation.keys[1] must be a column name, got null',
    "aggregation.aggregates[0] must be an aggregate { fn: 'count' | 'sum', column, alias }, got null",
  ]],
  ['a sink other than Delta', (s) => { (s.sink as { format: string }).format = 'parquet'; }, ["sink format 'parquet' is not supported yet; use 'delta'"]],
  ['a continuous trigger', (s) => { (s as { trigger: unknown }).trigger = { kind: 'continuous' }; }, [
    "trigger 'continuous' is not supported yet; use { processingTime: '<interval>' } or { availableNow: true }",
  ]],
  ['another spec version', (s) => { (s as { version: number }).version = 2; }, [
    'unknown query spec version 2; this version of Tributary understands version 1',
  ]],
];

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected invalid JSON');
}

describe('validateSpec', () => {
  it('finds no problem in the seed job', () => {
    assert.deepEqual(validateSpec(seedSpec()), []);
  });

  it('accepts complete mode, availableNow, a fixed-offset time zone and per-partition startingOffsets', () => {
    const s = seedSpec();
    s.sink.outputMode = 'complete';
    s.trigger = { kind: 'availableNow' };
    s.parse.timeZone = '+02:00';
    s.source.startingOffsets = { customer_events: { '0': 23, '1': -2, '2': -1 } };
    s.source.kafkaOptions = { 'isolation.level': 'read_committed' };
    s.sink.partitionBy = ['customer_id'];
    s.options = {
      shufflePartitions: 10000, badRecords: 'quarantine', lateRows: 'table', maxValueBytes: 1, maxEventTimeAhead: '36 hours',
      quarantinePath: '/delta/q', lateRowsPath: '/delta/late',
    };
    assert.deepEqual(validateSpec(s), []);
  });

  for (const [what, breakIt, expected] of cases) {
    it(`names ${what}`, () => {
      const s = seedSpec();
      breakIt(s);
      assert.deepEqual(validateSpec(s), expected);
    });
  }

  it('lists every problem at once', () => {
    const s = seedSpec();
    s.sink.checkpointLocation = '';
    s.source.topic = '';
    s.options.shufflePartitions = -1;
    assert.deepEqual(validateSpec(s), [
      "no topic: set option('subscribe', '<topic>') on readStream",
      "no checkpoint location: set option('checkpointLocation', '<path>') on writeStream",
      'shufflePartitions must be an integer in 1..10000, got -1',
    ]);
  });

  it('accepts the seed spec after a JSON round trip, as the driver receives it', () => {
    assert.deepEqual(validateSpec(JSON.parse(JSON.stringify(seedSpec())) as QuerySpec), []);
  });

  it('treats a null watermark from the wire as none', () => {
    const s = seedSpec() as unknown as Record<string, unknown>;
    s.watermark = null;
    assert.deepEqual(validateSpec(s as unknown as QuerySpec), [
      'Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark',
    ]);
  });

  it('names a partitionBy that is not a list', () => {
    const s = seedSpec();
    (s.sink as { partitionBy: unknown }).partitionBy = 'customer_id';
    assert.deepEqual(validateSpec(s), ['partitionBy must be a list of column names, got "customer_id"']);
  });

  it('accepts both isolation levels and reads the default as read_uncommitted', () => {
    for (const level of ['read_uncommitted', 'read_committed'] as const) {
      const s = seedSpec();
      s.source.kafkaOptions = { 'isolation.level': level };
      assert.deepEqual(validateSpec(s), []);
      assert.equal(isolationLevelOf(s.source), level);
    }
    assert.equal(isolationLevelOf(seedSpec().source), 'read_uncommitted');
  });

  it('reports a spec that is not an object instead of throwing', () => {
    assert.deepEqual(validateSpec(null as unknown as QuerySpec), ['the query spec is not an object']);
  });

  it('never throws, whatever value replaces any part of a spec (null in lists, wrong types)', () => {
    const withDerived = (): QuerySpec => {
      const s = seedSpec();
      s.withColumns = [{ name: 'day', expr: { fn: 'to_date', column: 'window.start' } }];
      s.sink.partitionBy = ['day'];
      s.options = { lateRows: 'table', lateRowsPath: '/late', quarantinePath: '/q', maxEventTimeAhead: '1 hour' };
      return s;
    };
    assert.deepEqual(validateSpec(withDerived()), []);
    const locations: string[][] = [];
    const walk = (v: unknown, at: string[]): void => {
      if (v === null || typeof v !== 'object') return;
      for (const k of Object.keys(v)) { locations.push([...at, k]); walk((v as Record<string, unknown>)[k], [...at, k]); }
    };
    walk(withDerived(), []);
    let probes = 0;
    for (const at of locations) {
      for (const odd of [null, 7, 'x', true, [], {}, [null], { decimal: null }]) {
        const s = withDerived() as unknown as Record<string, unknown>;
        let parent = s;
        for (const k of at.slice(0, -1)) parent = parent[k] as Record<string, unknown>;
        parent[at[at.length - 1]] = odd;
        const problems = validateSpec(s as unknown as QuerySpec);
        assert.ok(Array.isArray(problems), `${at.join('.')} = ${JSON.stringify(odd)}`);
        probes++;
      }
    }
    assert.ok(probes > 400, `${probes} probes`);
  });

  it('refuses a spec nested deeper than its bound without recursing into it', () => {
    const s = seedSpec() as unknown as Record<string, unknown>;
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    (s.options as Record<string, unknown>).maxEventTimeAhead = deep;
    assert.deepEqual(validateSpec(s as unknown as QuerySpec), ['the query spec is nested more than 16 levels deep; a query spec needs far fewer']);
  });
});

describe('assertValidSpec', () => {
  it('passes a valid spec', () => {
    assertValidSpec(seedSpec());
  });

  it('throws an InvalidArgumentError listing all problems', () => {
    const s = seedSpec();
    s.sink.checkpointLocation = '';
    delete s.watermark;
    assert.throws(() => assertValidSpec(s), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.equal(e.message, 'invalid query (2 problems):\n' +
        "- no checkpoint location: set option('checkpointLocation', '<path>') on writeStream\n" +
        '- Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark');
      return true;
    });
  });
});
