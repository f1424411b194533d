// The seed job (the user's Spark Structured Streaming reference, written with Tributary's job API):
// Kafka customer_events → parse JSON → 10-minute watermark → 5-minute tumbling windows per
// customer_id → COUNT(*), SUM(amount) → Delta, append mode, checkpointed.
//
//   tributary submit examples/seed-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       table=/tmp/delta/customer_aggregates checkpoint=/tmp/checkpoints/customers
//
// Options (key=value after the file): bootstrap, topic, table, checkpoint, trigger ('availableNow'
// or a processing-time interval such as '10 seconds'), maxOffsetsPerTrigger, isolationLevel
// (kafka.isolation.level: read_uncommitted, the default, or read_committed).
const {
  StructType, StructField, IntegerType, StringType, DecimalType, TimestampType, col, window, count, sum, fromJson,
} = require('@tributary/client');

module.exports = async function seedJob(spark, opts = {}) {
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
  if (opts.isolationLevel) reader = reader.option('kafka.isolation.level', opts.isolationLevel);
  const kafkaDf = reader.load();

  const parsed = kafkaDf.select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*');
  const watermarked = parsed.withWatermark('timestamp', '10 minutes');
  const aggregated = watermarked
    .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
    .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'));

  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  return aggregated.writeStream
    .format('delta')
    .outputMode('append')
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/customers')
    .trigger(trigger)
    .start(opts.table ?? '/tmp/tributary/delta/customer_aggregates');
};
