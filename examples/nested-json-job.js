// A nested-JSON ingest job: Kafka `device_readings` → parse JSON with a struct inside a struct and
// arrays (of strings, and of structs with a decimal) → keep readings whose device has a site
// country → fields reached with 'a.b' and 'a.b.c' → Delta in append mode, partitioned by day.
//
//   tributary submit examples/nested-json-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       topic=device_readings table=/tmp/delta/device_readings checkpoint=/tmp/checkpoints/device_readings
//
// Input (one JSON object per Kafka record):
//   {"reading_id": 9, "ts": "2026-03-01T10:15:00.5Z", "tags": ["roof", "north"],
//    "device": {"id": "d-7", "battery": 87.5, "site": {"country": "nl", "city": "Delft"}},
//    "samples": [{"sensor": "temp", "value": 21.125}, {"sensor": "rh", "value": 40}]}
// The table keeps the whole `site` struct, the `tags` and `samples` arrays as they are, and
// top-level columns cut out of the structs.
//
// Options (key=value after the file): bootstrap, topic, table, checkpoint, trigger ('availableNow'
// or a processing-time interval such as '10 seconds'), maxOffsetsPerTrigger.
const {
  StructType, StructField, ArrayType, LongType, StringType, DecimalType, TimestampType, col, fromJson, toDate, upper,
} = require('@tributary/client');

module.exports = async function nestedJsonJob(spark, opts = {}) {
  const site = new StructType([
    new StructField('country', StringType()),
    new StructField('city', StringType()),
  ]);
  const schema = new StructType([
    new StructField('reading_id', LongType()),
    new StructField('ts', TimestampType()),
    new StructField('tags', ArrayType(StringType())),
    new StructField('device', new StructType([
      new StructField('id', StringType()),
      new StructField('battery', DecimalType(5, 2)),
      new StructField('site', site),
    ])),
    new StructField('samples', ArrayType(new StructType([
      new StructField('sensor', StringType()),
      new StructField('value', DecimalType(9, 3)),
    ]))),
  ]);

  let reader = spark.readStream
    .format('kafka')
    .option('kafka.bootstrap.servers', opts.bootstrap ?? '127.0.0.1:9092')
    .option('subscribe', opts.topic ?? 'device_readings')
    .option('startingOffsets', 'earliest');
  if (opts.maxOffsetsPerTrigger) reader = reader.option('maxOffsetsPerTrigger', Number(opts.maxOffsetsPerTrigger));

  const readings = reader.load().select(fromJson(col('value').cast('string'), schema).alias('r'));

  const rows = readings
    .filter(col('r.device.site.country').isNotNull())
    .select(
      col('r.reading_id').alias('reading_id'),
      col('r.device.id').alias('device_id'),
      col('r.device.battery').alias('battery'),
      upper(col('r.device.site.country')).alias('country'),
      col('r.device.site').alias('site'),
      col('r.tags').alias('tags'),
      col('r.samples').alias('samples'),
      col('r.ts').alias('ts'),
      toDate(col('r.ts')).alias('day'),
    );

  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  return rows.writeStream
    .format('delta')
    .outputMode('append')
    .partitionBy('day')
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/device_readings')
    .trigger(trigger)
    .start(opts.table ?? '/tmp/tributary/delta/device_readings');
};
