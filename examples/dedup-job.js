// An ingest job that drops the events an at-least-once producer sent twice: Kafka `clicks` → parse
// JSON → withWatermark on the event time → dropDuplicatesWithinWatermark by the click's id → Delta
// in append mode, partitioned by the click's day. A click id seen again while its state lives (its
// first event time + the 10-minute watermark delay, until the watermark passes it) is dropped; of
// the copies in one batch, the one with the lowest Kafka partition, then offset, is kept
// (docs/deduplication.md).
//
//   tributary submit examples/dedup-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       topic=clicks table=/tmp/delta/clicks checkpoint=/tmp/checkpoints/clicks
//
// Input (one JSON object per Kafka record):
//   {"click_id": "c-0001", "user_id": 42, "url": "/pricing", "ts": "2026-03-01T10:15:00.123456Z"}
// With keys=exact the job uses dropDuplicates(['click_id', 'ts']) instead: a copy is dropped only
// when its event time is the same, and state leaves once the watermark passes that time.
//
// Options (key=value after the file): bootstrap, topic, table, checkpoint, keys ('within' or
// 'exact'), trigger ('availableNow' or a processing-time interval such as '10 seconds').
const { StructType, StructField, StringType, IntegerType, TimestampType, col, fromJson, toDate } = require('@tributary/client');

module.exports = async function dedupJob(spark, opts = {}) {
  const schema = new StructType([
    new StructField('click_id', StringType()),
    new StructField('user_id', IntegerType()),
    new StructField('url', StringType()),
    new StructField('ts', TimestampType()),
  ]);

  const clicks = spark.readStream
    .format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap ?? '127.0.0.1:9092')
    .option('subscribe', opts.topic ?? 'clicks')
    .option('startingOffsets', 'earliest')
    .load()
    .select(fromJson(col('value').cast('string'), schema).alias('c'))
    .select('c.*')
    .withWatermark('ts', '10 minutes');

  const unique = opts.keys === 'exact' ? clicks.dropDuplicates(['click_id', 'ts']) : clicks.dropDuplicatesWithinWatermark(['click_id']);
  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  return unique
    .withColumn('day', toDate(col('ts')))
    .writeStream
    .format('delta')
    .outputMode('append')
    .partitionBy('day')
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/clicks')
    .trigger(trigger)
    .start(opts.table ?? '/tmp/tributary/delta/clicks');
};
