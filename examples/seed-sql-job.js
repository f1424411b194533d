// The seed's Spark SQL (examples/seed.sql, the user's reference as written) run with spark.sql: three
// temp views, the last one the windowed aggregation, written to Delta with the DataFrame API. The
// SQL reads kafka.`kafka-server:9092`.`customer_events`; this job puts the given address and topic
// in its place. No watermark in the SQL, so the output mode is update (or complete); append is
// refused with Spark's message.
//
//   tributary submit examples/seed-sql-job.js --driver 127.0.0.1:7077 -- bootstrap=127.0.0.1:9092 \
//       table=/tmp/delta/windowed_aggregates checkpoint=/tmp/checkpoints/windowed_aggregates
//
// Options (key=value after the file): bootstrap, topic, table, checkpoint, outputMode (update or
// complete), trigger ('availableNow' or a processing-time interval such as '10 seconds'),
// maxOffsetsPerTrigger.
const fs = require('node:fs');
const path = require('node:path');

module.exports = async function seedSqlJob(spark, opts = {}) {
  const reference = fs.readFileSync(path.join(__dirname, 'seed.sql'), 'utf8');
  const source = `kafka.\`${opts.bootstrap ?? '127.0.0.1:9092'}\`.\`${opts.topic ?? 'customer_events'}\``;
  const text = reference.replace('kafka.`kafka-server:9092`.`customer_events`', source);
  const kafka = { startingOffsets: 'earliest' };
  if (opts.maxOffsetsPerTrigger) kafka.maxOffsetsPerTrigger = Number(opts.maxOffsetsPerTrigger);
  await spark.sql(text, { kafka });

  const trigger = !opts.trigger || opts.trigger === 'availableNow' ? { availableNow: true } : { processingTime: opts.trigger };
  return spark.table('windowed_aggregates').writeStream
    .format('delta')
    .outputMode(opts.outputMode ?? 'update')
    .option('checkpointLocation', opts.checkpoint ?? '/tmp/tributary/checkpoints/windowed_aggregates')
    .trigger(trigger)
    .start(opts.table ?? '/tmp/tributary/delta/windowed_aggregates');
};
