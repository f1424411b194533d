// Alerts from the seed's stream (the reference's "alerting systems"): Kafka customer_events →
// parse JSON → 10-minute watermark → per 5-minute window and customer_id, SUM(amount) → where the
// total passes a threshold → in update mode (a row each time a window's total changes) to a Kafka
// topic, exactly once (docs/kafka-sink.md), or to a webhook, at least once with idempotency keys
// (docs/webhook-sink.md).
//
//   tributary submit examples/alert-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       alertsTopic=large_orders checkpoint=/tmp/checkpoints/large_orders
//   tributary submit examples/alert-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       sink=webhook url=http://127.0.0.1:8080/alerts checkpoint=/tmp/checkpoints/large_orders_hook
//
// Options (key=value after the file): bootstrap, topic (default customer_events), threshold
// (default 10000), sink (kafka, the default, or webhook), alertsTopic (default large_orders; it
// must exist), url, headers (JSON), maxRowsPerRequest, checkpoint, trigger ('availableNow' or a
// processing-time interval such as '10 seconds'), maxOffsetsPerTrigger.
//
// A Kafka record: key the customer_id, value {"customer_id":…,"window_start":"…","total_amount":"…"}.
const {
  StructType, StructField, IntegerType, StringType, DecimalType, TimestampType, col, concat, fromJson, lit, sum, window,
} = require('@tributary/client');

function alerts(spark, opts = {}) {
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
  return reader.load()
    .select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*')
    .withWatermark('timestamp', '10 minutes')
    .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
    .agg(sum('amount').alias('total_amount'))
    .filter(col('total_amount').gt(Number(opts.threshold ?? 10000)))
    .select(
      col('window'), col('customer_id'), col('total_amount'),
      col('customer_id').cast('string').alias('key'),
      concat(lit('{"customer_id":'), col('customer_id').cast('string'),
        lit(',"window_start":"'), col('window.start').cast('string'),
        lit('","total_amount":"'), col('total_amount').cast('string'), lit('"}')).alias('value'),
    );
}

module.exports = async function alertJob(spark, opts = {}) {
  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  let writer = alerts(spark, opts).writeStream.outputMode('update');
  if ((opts.sink ?? 'kafka') === 'webhook') {
    writer = writer.format('webhook').option('url', opts.url ?? 'http://127.0.0.1:8080/alerts');
    if (opts.headers) writer = writer.option('headers', opts.headers);
    if (opts.maxRowsPerRequest) writer = writer.option('maxRowsPerRequest', Number(opts.maxRowsPerRequest));
  } else {
    writer = writer.format('kafka')
      .option('kafka.bootstrap.servers', opts.bootstrap ?? '127.0.0.1:9092')
      .option('topic', opts.alertsTopic ?? 'large_orders');
  }
  return writer
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/large_orders')
    .trigger(trigger)
    .start();
};
