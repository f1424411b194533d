import assert from 'node:assert/strict';
import { InvalidArgumentError, referenceJobSpec, resolveQuery, upgradeSpec, type QuerySpec, type QuerySpecV2 } from '@tributary/common';
import { col, count, date_format, fromJson, hour, sum, to_date, window } from './functions';
import { TributarySession } from './session';
import type { QuerySubmitter } from './submitter';
import { DecimalType, IntegerType, StringType, StructField, StructType, TimestampType } from './types';

/** A submitter that records what it was given. */
function recordingSubmitter(): QuerySubmitter & { specs: (QuerySpec | QuerySpecV2)[] } {
  const specs: (QuerySpec | QuerySpecV2)[] = [];
  return {
    specs,
    async submit(spec) {
      specs.push(spec);
      return { id: 'q-1', runId: 'r-1', name: spec.name ?? null };
    },
    async status() {
      throw new Error('not used');
    },
    async stop() {},
    async awaitTermination() {
      return { terminated: true, exception: null };
    },
  };
}

const schema = new StructType([
  new StructField('customer_id', IntegerType()),
  new StructField('event_type', StringType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('timestamp', TimestampType()),
]);

function seedAggregation(spark: TributarySession) {
  const kafkaDf = spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'localhost:9092')
    .option('subscribe', 'customer_events').option('startingOffsets', 'earliest').load();
  const parsed = kafkaDf.select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*');
  const watermarked = parsed.withWatermark('timestamp', '10 minutes');
  return watermarked.groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'));
}


describe('the job API', () => {
  it('builds the version 2 spec of the seed job (the plan the v1 reference spec upgrades to) and submits it', async () => {
    const submitter = recordingSubmitter();
    const spark = TributarySession.builder().appName('Streaming CDC').master('tributary://127.0.0.1:7077').submitter(submitter).getOrCreate();
    const query = await seedAggregation(spark).writeStream.format('delta').outputMode('append')
      .option('checkpointLocation', '/checkpoints/customers').trigger({ processingTime: '10 seconds' })
      .start('/delta/customer_aggregates');
    assert.deepEqual(submitter.specs, [upgradeSpec(referenceJobSpec())]);
    assert.equal(query.id, 'q-1');
    assert.equal(query.runId, 'r-1');
    assert.equal(await query.awaitTermination(), true);
  });

  it('carries the optional settings into the spec', () => {
    const spark = TributarySession.builder().config('spark.sql.shuffle.partitions', 8).config('spark.sql.session.timeZone', '+02:00')
      .config('spark.sql.streaming.checkpointLocation', '/checkpoints/').submitter(recordingSubmitter()).getOrCreate();
    const df = spark.readStream.format('kafka').options({
      'kafka.bootstrap.servers': 'k1:9092,k2:9092', subscribe: 'events', startingOffsets: '{"events":{"0":5,"1":-2}}',
      maxOffsetsPerTrigger: 100000, failOnDataLoss: 'false', 'kafka.isolation.level': 'read_committed',
    }).load();
    const agg = df.select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.customer_id', 'e.amount', 'e.timestamp')
      .withWatermark('timestamp', '1 minute').groupBy(window('timestamp', '1 minute'), 'customer_id').agg(count('*').alias('n'), sum(col('amount')).alias('s'));
    const spec = agg.writeStream.queryName('q').outputMode('Complete').partitionBy('customer_id').trigger({ availableNow: true })
      .options({ badRecords: 'quarantine', lateRows: 'table', maxValueBytes: '4096' }).toQuerySpec('/t');
    const { plan, ...settings } = spec;
    assert.equal(plan.length, 4);
    assert.deepEqual(settings, {
      version: 2,
      name: 'q',
      source: {
        format: 'kafka', bootstrapServers: 'k1:9092,k2:9092', topic: 'events', startingOffsets: { events: { '0': 5, '1': -2 } },
        maxOffsetsPerTrigger: 100000, failOnDataLoss: false, kafkaOptions: { 'isolation.level': 'read_committed' },
      },
      sink: { format: 'delta', path: '/t', outputMode: 'complete', checkpointLocation: '/checkpoints/q', partitionBy: ['customer_id'] },
      trigger: { kind: 'availableNow' },
      options: { shufflePartitions: 8, badRecords: 'quarantine', lateRows: 'table', maxValueBytes: 4096, timeZone: '+02:00' },
    } satisfies Omit<QuerySpecV2, 'plan'>);
    const query = resolveQuery(spec);
    assert.deepEqual(query.scan.json?.schema.map((f) => f.name), ['customer_id', 'event_type', 'amount', 'timestamp']);
    assert.deepEqual(query.output.map((f) => f.name), ['window', 'customer_id', 'n', 's']);
  });

  it('refuses to start an invalid query, listing every problem, and submits nothing', async () => {
    const submitter = recordingSubmitter();
    const spark = TributarySession.builder().submitter(submitter).getOrCreate();
    const kafkaDf = spark.readStream.format('kafka').option('subscribe', 't').load();
    const agg = kafkaDf.select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*')
      .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id')).agg(count('*').alias('event_count'));
    await assert.rejects(agg.writeStream.format('delta').start('/t'), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.message, 'invalid query (3 problems):\n' +
        "- no bootstrap servers: set option('kafka.bootstrap.servers', 'host:port') on readStream\n" +
        "- no checkpoint location: set option('checkpointLocation', '<path>') on writeStream\n" +
        '- Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark');
      return true;
    });
    assert.equal(submitter.specs.length, 0);
  });

  it('names Spark-style default column names that Delta refuses', async () => {
    const spark = TributarySession.builder().submitter(recordingSubmitter()).getOrCreate();
    const agg = seedAggregation(spark).writeStream; // aliases given: valid
    assert.deepEqual(resolveQuery(agg.option('checkpointLocation', '/c').toQuerySpec('/t')).output.map((f) => f.name), ['window', 'customer_id', 'event_count', 'total_amount']);
    const unaliased = spark.readStream.format('kafka').load()
      .select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*')
      .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id')).agg(count('*'), sum('amount'));
    assert.throws(() => resolveQuery(unaliased.writeStream.outputMode('complete').option('checkpointLocation', '/c').toQuerySpec('/t')),
      /output column name "count\(1\)" contains invalid character\(s\) among .* that Delta refuses; give it an alias\n- output column name "sum\(amount\)"/);
  });

  it('starts the query with the submitter the registered factory makes for the master', async () => {
    const submitter = recordingSubmitter();
    const masters: string[] = [];
    TributarySession.setSubmitterFactory((master) => {
      masters.push(master);
      return submitter;
    });
    try {
      const spark = TributarySession.builder().master('tributary://driver:7077').getOrCreate();
      await seedAggregation(spark).writeStream.option('checkpointLocation', '/c').start('/t');
      assert.deepEqual(masters, ['tributary://driver:7077']);
      assert.equal(submitter.specs.length, 1);
    } finally {
      TributarySession.setSubmitterFactory(undefined);
    }
  });
});

describe('withColumn and partitionBy', () => {
  const spark = TributarySession.builder().submitter(recordingSubmitter()).getOrCreate();

  it('resolves derived columns over the window as partition columns', () => {
    const agg = seedAggregation(spark)
      .withColumn('date', to_date(col('window.start')))
      .withColumn('hour', date_format(col('window.start'), 'yyyy-MM-dd-HH'));
    const spec = agg.writeStream.partitionBy('date', 'hour').option('checkpointLocation', '/c').toQuerySpec('/t');
    assert.deepEqual(spec.sink.partitionBy, ['date', 'hour']);
    const query = resolveQuery(spec);
    assert.deepEqual(query.output.map((f) => `${f.name} ${f.type.kind}`), ['window struct', 'customer_id int', 'event_count long', 'total_amount decimal', 'date date', 'hour string']);
    assert.deepEqual(agg.columns, ['window', 'customer_id', 'event_count', 'total_amount', 'date', 'hour']);
  });
});

describe('the job API refuses unsupported calls by name', () => {
  const spark = TributarySession.builder().submitter(recordingSubmitter()).getOrCreate();
  const kafka = () => spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'k:9092').option('subscribe', 't').load();
  const parsed = () => kafka().select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*');

  const cases: [string, () => unknown, string][] = [
    ['a source other than kafka', () => spark.readStream.format('rate'), "source format 'rate' is not supported yet; use 'kafka'"],
    ['subscribePattern', () => spark.readStream.format('kafka').option('subscribePattern', 'a.*'), "kafka source option 'subscribePattern' is not supported yet; subscribe to one topic with option('subscribe', …)"],
    ['an unknown reader option', () => spark.readStream.format('kafka').option('subscribe_', 'x'), "unknown kafka source option 'subscribe_'; known options: subscribe, startingOffsets, maxOffsetsPerTrigger, failOnDataLoss, changes.format, changes.position, kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location"],
    ["Spark's minPartitions", () => spark.readStream.format('kafka').option('minPartitions', 8), "kafka source option 'minPartitions' is not supported yet; each Kafka partition is read by one map task"],
    ["Spark's groupIdPrefix", () => spark.readStream.format('kafka').option('groupIdPrefix', 'g'), "kafka source option 'groupIdPrefix' is not supported yet; Tributary tracks offsets in its checkpoint, not in a consumer group"],
    ["Spark's kafkaConsumer.pollTimeoutMs", () => spark.readStream.format('kafka').option('kafkaConsumer.pollTimeoutMs', 512), "kafka source option 'kafkaConsumer.pollTimeoutMs' is not supported yet; the executors read with a Fetch client of their own, not a Kafka consumer"],
    ['an unknown isolation level', () => spark.readStream.format('kafka').option('kafka.isolation.level', 'committed'), 'kafka.isolation.level must be \'read_uncommitted\' or \'read_committed\', got "committed"'],
    ['a JKS trust store', () => spark.readStream.format('kafka').option('kafka.ssl.truststore.location', '/t.jks'), "kafka source option 'kafka.ssl.truststore.location' is not supported: Tributary reads PEM files, not JKS stores: give kafka.ssl.ca.location (and kafka.ssl.certificate.location with kafka.ssl.key.location for a client certificate); supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location"],
    ['kafka.sasl.password', () => spark.readStream.format('kafka').option('kafka.sasl.password', 'pw'), "kafka source option 'kafka.sasl.password' is not supported: a password in the options would be stored in clear in the checkpoint: put it in a file named by kafka.sasl.password.file; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location"],
    ['kafka.group.id', () => spark.readStream.format('kafka').option('kafka.group.id', 'g'), "kafka source option 'kafka.group.id' is not supported: Tributary tracks offsets in its checkpoint, not in a consumer group; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location"],
    ['another kafka.* client option', () => spark.readStream.format('kafka').option('kafka.max.poll.records', 500), "kafka source option 'kafka.max.poll.records' is not supported: Tributary reads Kafka with its own clients, which do not honour it; supported kafka.* options: kafka.bootstrap.servers, kafka.isolation.level, kafka.security.protocol, kafka.sasl.mechanism, kafka.sasl.jaas.config, kafka.sasl.username, kafka.sasl.password.file, kafka.ssl.ca.location, kafka.ssl.certificate.location, kafka.ssl.key.location"],
    ['a non-numeric maxOffsetsPerTrigger', () => spark.readStream.format('kafka').option('maxOffsetsPerTrigger', '10k'), 'maxOffsetsPerTrigger must be a positive integer, got "10k"'],
    ['a non-boolean failOnDataLoss', () => spark.readStream.format('kafka').option('failOnDataLoss', 'maybe'), 'failOnDataLoss must be true or false, got "maybe"'],
    ['a second watermark', () => parsed().withWatermark('timestamp', '1 minute').withWatermark('timestamp', '2 minutes'), 'a second withWatermark is not supported yet; set one watermark on the window column'],
    ['a filter written as SQL text', () => parsed().filter('amount > 100'), 'filter with a SQL expression string ("amount > 100") is not supported yet; write the condition with Column methods, e.g. filter(col(\'price\').gt(100)), or the query as SQL with spark.sql(…)'],
    ['a sink other than delta', () => parsed().writeStream.format('parquet'), "sink format 'parquet' is not supported yet; use 'delta'"],
    ['an unknown sink option', () => parsed().writeStream.option('mergeSchema', 'true'), "unknown delta sink option 'mergeSchema'; known options: checkpointLocation, path, badRecords, quarantinePath, lateRows, lateRowsPath, maxValueBytes, maxEventTimeAhead, shufflePartitions, spark.sql.shuffle.partitions"],
    ['a non-integer shuffle partition count', () => parsed().writeStream.option('shufflePartitions', 'many'), 'shufflePartitions must be an integer in 1..10000, got "many"'],
    ['an unknown output mode', () => parsed().writeStream.outputMode('upsert'), "unknown output mode 'upsert'; use append, complete or update"],
    ['trigger once', () => parsed().writeStream.trigger({ once: true }), 'trigger once (deprecated in Spark) is not supported yet; use { availableNow: true }'],
    ['continuous processing', () => parsed().writeStream.trigger({ continuous: '1 second' }), "continuous processing is not supported yet; use { processingTime: '<interval>' }"],
    ['foreachBatch', () => parsed().writeStream.foreachBatch(), "foreachBatch is not supported yet; write with format('delta')"],
    ['an unknown session config', () => TributarySession.builder().config('spark.executor.memory', '4g'), "config 'spark.executor.memory' is not supported; known keys: spark.sql.shuffle.partitions, spark.sql.streaming.checkpointLocation, spark.sql.session.timeZone"],
    ['a master that is not tributary://', () => TributarySession.builder().master('spark://h:7077'), "master 'spark://h:7077' is not tributary://host:port"],
    ['an unknown field of the parsed struct', () => kafka().select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.amt'), "no field 'amt' in 'data'; fields: customer_id, event_type, amount, timestamp"],
  ];
  for (const [what, call, message] of cases) {
    it(`refuses ${what}`, () => {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
        assert.equal(e.message, message);
        return true;
      });
    });
  }

  it('refuses to start without a submitter, naming how to give one', async () => {
    const bare = TributarySession.builder().getOrCreate();
    const agg = seedAggregation(bare);
    await assert.rejects(agg.writeStream.option('checkpointLocation', '/c').start('/t'),
      /no query submitter for master 'tributary:\/\/127\.0\.0\.1:7077': give one with builder\(\)\.submitter\(…\)/);
  });
});
