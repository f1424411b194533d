import assert from 'node:assert/strict';
import type { QuerySpec } from './query-spec';
import { referenceJobSpec as seedSpec } from '../testing';
import { sharedSectionProblems } from './validate-spec';
import { isolationLevelOf, kafkaSecuritySettings, parseJaasConfig } from './kafka-options';

/**
 * [what is wrong, how to break the seed spec, the exact problems expected]. What depends on the
 * query's operations is the resolver's (resolve/*.test.ts).
 */
const cases: [string, (s: QuerySpec) => void, string[]][] = [
  ['an unknown isolation level', (s) => { s.source.kafkaOptions = { 'isolation.level': 'READ_COMMITTED' }; }, [
    'kafka.isolation.level must be \'read_uncommitted\' or \'read_committed\', got "READ_COMMITTED"',
  ]],
  ['JKS stores and other kafka.* client options, each by name', (s) => {
    s.source.kafkaOptions = { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'ssl.truststore.location': '/t.jks', 'ssl.truststore.password': 'x', 'client.id': 'me' };
  }, [
    "kafka source option 'kafka.ssl.truststore.location' is not supported: Tributary reads PEM files, not JKS stores: give kafka.ssl.ca.location (and kafka.ssl.certificate.location with kafka.ssl.key.location for a client certificate); supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location",
    "kafka source option 'kafka.ssl.truststore.password' is not supported: Tributary reads PEM files, not JKS stores: give kafka.ssl.ca.location (and kafka.ssl.certificate.location with kafka.ssl.key.location for a client certificate); supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location",
    "kafka source option 'kafka.client.id' is not supported: Tributary reads Kafka with its own clients, which do not honour it; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location",
  ]],
  ['a password in the JAAS config', (s) => {
    s.source.kafkaOptions = {
      'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.password.file': '/p',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="alice-secret";',
    };
  }, [
    'kafka.sasl.jaas.config holds a password, which would be stored in clear in the checkpoint: leave it out and put the password in a file named by kafka.sasl.password.file',
  ]],
  ['kafka.sasl.password itself', (s) => { s.source.kafkaOptions = { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.password': 'pw' }; }, [
    "kafka source option 'kafka.sasl.password' is not supported: a password in the options would be stored in clear in the checkpoint: put it in a file named by kafka.sasl.password.file; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location",
  ]],
  ['a login module that does not do the mechanism', (s) => {
    s.source.kafkaOptions = {
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.password.file': '/p',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice";',
    };
  }, ['kafka.sasl.jaas.config names org.apache.kafka.common.security.scram.ScramLoginModule, which does not do PLAIN']],
  ['SASL without a mechanism', (s) => { s.source.kafkaOptions = { 'security.protocol': 'SASL_SSL' }; }, [
    'kafka.sasl.mechanism must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 with SASL_SSL, got undefined',
  ]],
  ['SASL without a password file', (s) => { s.source.kafkaOptions = { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'alice' }; }, [
    'SASL PLAIN needs kafka.sasl.password.file, a file holding the password',
  ]],
  ['SSL options with plain text', (s) => { s.source.kafkaOptions = { 'ssl.ca.location': '/ca.pem' }; }, [
    'kafka.ssl.ca.location need kafka.security.protocol SSL or SASL_SSL (it is PLAINTEXT)',
  ]],
  ['an unknown security protocol', (s) => { s.source.kafkaOptions = { 'security.protocol': 'TLS' }; }, [
    'kafka.security.protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "TLS"',
  ]],
  ['a consumer group id', (s) => { s.source.kafkaOptions = { 'group.id': 'g' }; }, [
    "kafka source option 'kafka.group.id' is not supported: Tributary tracks offsets in its checkpoint, not in a consumer group; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location",
  ]],
  ['bootstrap servers inside kafkaOptions', (s) => { s.source.kafkaOptions = { 'bootstrap.servers': 'k:9092' }; }, [
    "kafka.bootstrap.servers belongs in the source's bootstrapServers, not in kafkaOptions",
  ]],
  ['kafkaOptions that are not an object', (s) => { (s.source as { kafkaOptions: unknown }).kafkaOptions = ['isolation.level']; }, [
    'kafkaOptions must be an object of kafka.* option values, got ["isolation.level"]',
  ]],
  ['an unknown output mode', (s) => { (s.sink as { outputMode: string }).outputMode = 'upsert'; }, [
    "unknown output mode 'upsert'; use append, complete or update",
  ]],
  ['an unparseable trigger interval', (s) => { s.trigger = { kind: 'processingTime', interval: '1 month' }; }, [
    "trigger interval: cannot parse duration \"1 month\": 'month' has no fixed length; use days or weeks",
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
  ['a sink other than Delta', (s) => { (s.sink as { format: string }).format = 'parquet'; }, ["sink format 'parquet' is not supported; use 'delta', 'kafka', 'webhook'"]],
  ['a continuous trigger', (s) => { (s as { trigger: unknown }).trigger = { kind: 'continuous' }; }, [
    "trigger 'continuous' is not supported yet; use { processingTime: '<interval>' } or { availableNow: true }",
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

describe('sharedSectionProblems (source, sink, trigger and options of any spec version)', () => {
  it('finds no problem in the seed job', () => {
    assert.deepEqual(sharedSectionProblems(seedSpec()), []);
  });

  it('accepts complete mode, availableNow and per-partition startingOffsets', () => {
    const s = seedSpec();
    s.sink.outputMode = 'complete';
    s.trigger = { kind: 'availableNow' };
    s.source.startingOffsets = { customer_events: { '0': 23, '1': -2, '2': -1 } };
    s.source.kafkaOptions = { 'isolation.level': 'read_committed' };
    s.options = {
      shufflePartitions: 10000, badRecords: 'quarantine', lateRows: 'table', maxValueBytes: 1, maxEventTimeAhead: '36 hours',
      quarantinePath: '/delta/q', lateRowsPath: '/delta/late',
    };
    assert.deepEqual(sharedSectionProblems(s), []);
  });

  for (const [what, breakIt, expected] of cases) {
    it(`names ${what}`, () => {
      const s = seedSpec();
      breakIt(s);
      assert.deepEqual(sharedSectionProblems(s), expected);
    });
  }

  it('lists every problem at once', () => {
    const s = seedSpec();
    s.sink.checkpointLocation = '';
    s.source.topic = '';
    s.options.shufflePartitions = -1;
    assert.deepEqual(sharedSectionProblems(s), [
      "no topic: set option('subscribe', '<topic>') on readStream",
      "no checkpoint location: set option('checkpointLocation', '<path>') on writeStream",
      'shufflePartitions must be an integer in 1..10000, got -1',
    ]);
  });

  it('accepts both isolation levels and reads the default as read_uncommitted', () => {
    for (const level of ['read_uncommitted', 'read_committed'] as const) {
      const s = seedSpec();
      s.source.kafkaOptions = { 'isolation.level': level };
      assert.deepEqual(sharedSectionProblems(s), []);
      assert.equal(isolationLevelOf(s.source), level);
    }
    assert.equal(isolationLevelOf(seedSpec().source), 'read_uncommitted');
  });
});

describe('kafka security options', () => {
  it('accepts SASL_SSL with a JAAS user name, a password file and PEM files, and says what they ask for', () => {
    const options = {
      'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.password.file': '/secrets/kafka-password',
      'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice";',
      'ssl.ca.location': '/tls/ca.pem', 'ssl.certificate.location': '/tls/client.pem', 'ssl.key.location': '/tls/client.key',
    };
    const s = seedSpec();
    s.source.kafkaOptions = options;
    assert.deepEqual(sharedSectionProblems(s), []);
    assert.deepEqual(kafkaSecuritySettings(options), {
      protocol: 'SASL_SSL',
      tls: { caFile: '/tls/ca.pem', certFile: '/tls/client.pem', keyFile: '/tls/client.key' },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', passwordFile: '/secrets/kafka-password' },
    });
    assert.deepEqual(kafkaSecuritySettings({ 'security.protocol': 'SSL' }), { protocol: 'SSL', tls: { caFile: undefined, certFile: undefined, keyFile: undefined } });
    assert.deepEqual(kafkaSecuritySettings({}), { protocol: 'PLAINTEXT' });
    assert.deepEqual(kafkaSecuritySettings({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'bob', 'sasl.password.file': '/p' }),
      { protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', username: 'bob', passwordFile: '/p' } });
  });

  it('parses JAAS configs as Kafka clients write them', () => {
    assert.deepEqual(parseJaasConfig('org.apache.kafka.common.security.plain.PlainLoginModule required username="al ice" password="p\\"w;";'),
      { module: 'org.apache.kafka.common.security.plain.PlainLoginModule', options: { username: 'al ice', password: 'p"w;' } });
    assert.deepEqual(parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username=alice;'),
      { module: 'org.apache.kafka.common.security.scram.ScramLoginModule', options: { username: 'alice' } });
    assert.equal(typeof parseJaasConfig('username="alice";'), 'string');
    assert.equal(typeof parseJaasConfig('x.Module required username="alice"'), 'string');
  });
});
