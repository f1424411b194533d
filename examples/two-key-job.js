// A filtered aggregation with two keys, one a string: Kafka customer_events (the seed job's topic,
// as `tributary produce` writes it) → parse JSON → 10-minute watermark → only amounts above
// `minAmount` → 5-minute tumbling windows per (event_type, customer_id) → COUNT(*), SUM(amount) →
// Delta, append mode.
//
//   tributary submit examples/two-key-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       minAmount=10.00 table=/tmp/delta/customer_event_types checkpoint=/tmp/checkpoints/customer_event_types
//
// The output table: window struct<start timestamp, end timestamp>, event_type string,
// customer_id int, event_count bigint, total_amount decimal(20,2).
//
// Options (key=value after the file): bootstrap, topic, table, checkpoint, minAmount (a decimal,
// compared exactly: default 0), trigger ('availableNow' or a processing-time interval such as
// '10 seconds'), maxOffsetsPerTrigger.
const {
  StructType, StructField, IntegerType, StringType, DecimalType, TimestampType, col, lit, window, count, sum, fromJson,
} = require('@tributary/client');

module.exports = async function twoKeyJob(spark, opts = {}) {
  const schema = new StructType([
    new StructField('customer_id', IntegerType()),
    new StructField('event_type', StringType()),
    new StructField('amount', DecimalType(10, 2)),
    new StructField('timestamp', TimestampType()),
  ]);

  let reader = spark.readStream
    .format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap ?? '127.0.0.1:9092')
    .option('subscribe', opts.topic ?? 'customer_events')
    .option('startingOffsets', 'earliest');
  if (opts.maxOffsetsPerTrigger) reader = reader.option('maxOffsetsPerTrigger', Number(opts.maxOffsetsPerTrigger));

  const events = reader.load()
    .select(fromJson(col('value').cast('string'), schema).alias('data'))
    .select('data.*');

  // The threshold is a decimal literal, so the comparison is exact (a JavaScript number would be a double).
  const minAmount = lit(String(opts.minAmount ?? '0')).cast('decimal(10,2)');
  const perTypeAndCustomer = events
    .withWatermark('timestamp', '10 minutes')
    .filter(col('amount').gt(minAmount))
    .groupBy(window(col('timestamp'), '5 minutes'), col('event_type'), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'));

  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  return perTypeAndCustomer.writeStream
    .format('delta')
    .outputMode('append')
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/customer_event_types')
    .trigger(trigger)
    .start(opts.table ?? '/tmp/tributary/delta/customer_event_types');
};
