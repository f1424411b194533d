// An ingest job (no aggregation, no shuffle, no state): Kafka `orders` → parse JSON → keep paid and
// shipped orders with a positive quantity → computed columns → Delta in append mode, partitioned by
// the order's day. Kafka's own `partition` and `offset` columns are kept beside the parsed fields.
//
//   tributary submit examples/ingest-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       topic=orders table=/tmp/delta/orders checkpoint=/tmp/checkpoints/orders
//
// Input (one JSON object per Kafka record):
//   {"order_id": 17, "customer": "c-42", "status": "paid", "currency": "eur",
//    "price": 12.50, "quantity": 3, "ts": "2026-03-01T10:15:00.123456Z"}
// A record whose order_id is missing or null goes to the quarantine table (`<table>_quarantine`),
// since that field is declared not nullable.
//
// Options (key=value after the file): bootstrap, topic, table, checkpoint, trigger ('availableNow'
// or a processing-time interval such as '10 seconds'), maxOffsetsPerTrigger.
const {
  StructType, StructField, LongType, StringType, IntegerType, DecimalType, TimestampType, col, fromJson, hour, toDate, upper,
} = require('@tributary/client');

module.exports = async function ingestJob(spark, opts = {}) {
  const schema = new StructType([
    new StructField('order_id', LongType(), false),
    new StructField('customer', StringType()),
    new StructField('status', StringType()),
    new StructField('currency', StringType()),
    new StructField('price', DecimalType(12, 2)),
    new StructField('quantity', IntegerType()),
    new StructField('ts', TimestampType()),
  ]);

  let reader = spark.readStream
    .format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap ?? '127.0.0.1:9092')
    .option('subscribe', opts.topic ?? 'orders')
    .option('startingOffsets', 'earliest');
  if (opts.maxOffsetsPerTrigger) reader = reader.option('maxOffsetsPerTrigger', Number(opts.maxOffsetsPerTrigger));

  const orders = reader.load()
    .select(fromJson(col('value').cast('string'), schema).alias('o'), col('partition'), col('offset'))
    .select('o.*', 'partition', 'offset');

  const rows = orders
    .filter(col('status').isin('paid', 'shipped').and(col('quantity').gt(0)))
    .select('order_id', 'customer', upper(col('currency')).alias('currency'), 'price', 'quantity', 'ts', 'partition', 'offset')
    .withColumn('total', col('price').multiply(col('quantity')))
    .withColumn('hour', hour(col('ts')))
    .withColumn('day', toDate(col('ts')));

  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  return rows.writeStream
    .format('delta')
    .outputMode('append')
    .partitionBy('day')
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/orders')
    .trigger(trigger)
    .start(opts.table ?? '/tmp/tributary/delta/orders');
};
