import assert from 'node:assert/strict';
import { QueryResolutionError, resolveQuery, resolvedQueryFromProto, resolvedQueryToProto } from '@tributary/common';
import { col, concat, fromJson, lit, sum, window } from './functions';
import { TributarySession } from './session';
import { DecimalType, IntegerType, StructField, StructType, TimestampType } from './types';

const spark = TributarySession.builder().getOrCreate();
const schema = new StructType([
  new StructField('customer_id', IntegerType()),
  new StructField('amount', DecimalType(10, 2)),
  new StructField('timestamp', TimestampType()),
]);
const totals = () => spark.readStream.format('kafka').option('kafka.bootstrap.servers', 'k:9092').option('subscribe', 'orders').load()
  .select(fromJson(col('value').cast('string'), schema).alias('e')).select('e.*')
  .withWatermark('timestamp', '10 minutes')
  .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
  .agg(sum('amount').alias('total_amount'))
  .filter(col('total_amount').gt(10000));
const alert = () => totals().select(col('window'), col('customer_id'), col('total_amount'),
  col('customer_id').cast('string').alias('key'),
  concat(lit('{"customer_id":'), col('customer_id').cast('string'), lit(',"total_amount":"'), col('total_amount').cast('string'), lit('"}')).alias('value'));

function problemsOf(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof QueryResolutionError) return e.problems;
    throw e;
  }
  return [];
}

describe('writeStream.format(kafka | webhook)', () => {
  it('builds a Kafka sink spec staged beside the checkpoint, and the resolved sink keeps its format through proto', () => {
    const spec = alert().writeStream.format('kafka').outputMode('update').option('kafka.bootstrap.servers', 'b:9092').option('topic', 'alerts')
      .option('checkpointLocation', '/chk/alerts').toQuerySpec();
    assert.deepEqual(spec.sink, { format: 'kafka', path: '/chk/alerts-sink-stage', outputMode: 'update', checkpointLocation: '/chk/alerts', kafka: { bootstrapServers: 'b:9092', topic: 'alerts' } });
    const q = resolveQuery(spec);
    assert.equal(q.sink.format, 'kafka');
    assert.equal(resolvedQueryFromProto(resolvedQueryToProto(q)).sink.format, 'kafka');
  });

  it('refuses a Kafka sink without a topic, without a value column or servers, or with a value of the wrong type, naming each', () => {
    assert.deepEqual(problemsOf(() => resolveQuery(alert().writeStream.format('kafka').outputMode('update').option('kafka.bootstrap.servers', 'b:9092')
      .option('checkpointLocation', '/c').toQuerySpec())), ["the kafka sink needs option 'topic' or a 'topic' column"]);
    assert.deepEqual(problemsOf(() => resolveQuery(totals().writeStream.format('kafka').outputMode('update').option('topic', 't')
      .option('checkpointLocation', '/c').toQuerySpec())), [
      "the kafka sink needs option 'kafka.bootstrap.servers'",
      "the kafka sink needs a 'value' column (string or binary); output columns: window, customer_id, total_amount",
    ]);
    const intValue = totals().select(col('window'), col('customer_id'), col('customer_id').alias('value'));
    assert.deepEqual(problemsOf(() => resolveQuery(intValue.writeStream.format('kafka').outputMode('update').option('topic', 't').option('kafka.bootstrap.servers', 'b:1')
      .option('checkpointLocation', '/c').toQuerySpec())), ["the kafka sink's 'value' column is int; it must be string or binary"]);
  });

  it('refuses a webhook sink without a url, or with a url that is not http', () => {
    assert.deepEqual(problemsOf(() => resolveQuery(totals().writeStream.format('webhook').outputMode('update').option('checkpointLocation', '/c').toQuerySpec())),
      ["the webhook sink needs option 'url'"]);
    assert.deepEqual(problemsOf(() => resolveQuery(totals().writeStream.format('webhook').outputMode('update').option('url', 'ftp://x/').option('checkpointLocation', '/c').toQuerySpec())),
      ["the webhook sink's url must be http or https, got ftp:"]);
  });

  it('takes webhook headers as a JSON object and refuses anything else', () => {
    const spec = totals().writeStream.format('webhook').outputMode('update').option('url', 'http://h/alerts').option('headers', '{"Authorization":"Bearer t"}')
      .option('checkpointLocation', '/c').toQuerySpec();
    assert.deepEqual(spec.sink.webhook, { url: 'http://h/alerts', headers: { Authorization: 'Bearer t' } });
    assert.throws(() => totals().writeStream.format('webhook').option('headers', '[1]'), /headers option must be a JSON object/);
  });
});
