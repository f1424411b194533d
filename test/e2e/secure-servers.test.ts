/**
 * The seed job's aggregation end to end against servers that require authentication: a Kafka broker
 * reached over SASL_SSL with SCRAM-SHA-512 (Spark's kafka.* option names, the password in a file,
 * the CA as a PEM file) and a Redis reached over TLS as an ACL user (the default user off), with a
 * driver and 2 executor processes. The result is compared with the independent calculation
 * (test/support/oracle); then no file the engine wrote (checkpoint, driver state, table, logs) holds
 * either password.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DecimalType, EventGenerator, GrpcSubmitter, IntegerType, LocalCluster, StringType, StructField, StructType, TimestampType,
  DriverClient, TributarySession, StreamingQuery, col, count, fromJson, produceEvents, sum, window,
} from '@tributary/client';
import { createRedisClient, LocalStorage, kafkaSecurityFromOptions, makeTestCertificates, readTableRows, type TestCertificates } from '@tributary/common';
import { SecureKafkaBroker } from '@tributary/common/dist/kafka/secure-broker.test-support';
import { PrivateRedisServer } from '@tributary/common/dist/state/redis-server.test-support';
import { aggregateRows } from '../support/aggregate-rows';
import { computeExpected, diffRows } from '../support/oracle';
import { DELAY, MINUTE, WINDOW, waitUntil, watermarkMicros } from '../support/seed-run';

const REDIS_PASSWORD = `redis-pw-${Math.random().toString(36).slice(2, 12)}`;

describe('the seed job with Kafka SASL_SSL (SCRAM-SHA-512) and Redis ACL over TLS (driver + 2 executors)', function () {
  this.timeout(15 * 60_000);
  let dir: string;
  let kafka: SecureKafkaBroker;
  let certs: TestCertificates;
  let redis: PrivateRedisServer;
  let cluster: LocalCluster | undefined;
  let client: DriverClient | undefined;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-e2e-secure-'));
    certs = makeTestCertificates();
    [kafka, redis] = await Promise.all([
      SecureKafkaBroker.start('alice'),
      PrivateRedisServer.start({ users: { tributary: REDIS_PASSWORD }, tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert } }),
    ]);
  });

  after(async () => {
    client?.close();
    await cluster?.stop();
    await redis?.stop();
    await kafka?.stop();
    certs?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      for (const name of ['driver', ...cluster.executors.keys()]) console.log(`--- ${name} log (tail)\n${cluster.logOf(name).slice(-4000)}`);
    }
  });

  it('is exact, and the checkpoint, driver state, table and logs hold no password', async () => {
    const redisPasswordFile = path.join(dir, 'redis-password');
    fs.writeFileSync(redisPasswordFile, `${REDIS_PASSWORD}\n`, { mode: 0o600 });
    cluster = await LocalCluster.start({
      dir: path.join(dir, 'cluster'),
      redis: { host: '127.0.0.1', port: redis.port },
      redisArgs: ['--redis', `rediss://tributary@127.0.0.1:${redis.port}`, '--redis-password-file', redisPasswordFile, '--redis-tls-ca', certs.ca.cert],
      executors: 2,
    });

    // The options as a Spark job sets them; the password only in a file.
    const kafkaOptions: Record<string, string> = {
      'kafka.security.protocol': 'SASL_SSL',
      'kafka.sasl.mechanism': 'SCRAM-SHA-512',
      'kafka.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice";',
      'kafka.sasl.password.file': kafka.passwordFile,
      'kafka.ssl.ca.location': kafka.caFile,
    };
    const security = kafkaSecurityFromOptions(Object.fromEntries(Object.entries(kafkaOptions).map(([k, v]) => [k.slice('kafka.'.length), v])));
    const topic = `customer_events_${Date.now()}`;
    const gen = new EventGenerator({ seed: 7, customers: 500, eventsPerSecond: 20, outOfOrderShare: 0.2, maxDisorderMicros: 2 * MINUTE });
    const inOrder = gen.phaseInOrder(30_000);
    await produceEvents(kafka.saslSsl, topic, 4, inOrder, undefined, { security });
    const closing = gen.phaseCloseAll(3);
    await produceEvents(kafka.saslSsl, topic, 4, closing, undefined, { security });

    const table = path.join(dir, 'delta', 'customer_aggregates');
    const checkpoint = path.join(dir, 'checkpoints', 'customers');
    client = new DriverClient(cluster.driverAddress);
    const spark = TributarySession.builder().appName('secure seed job').submitter(new GrpcSubmitter(client)).getOrCreate();
    const schema = new StructType([
      new StructField('customer_id', IntegerType()),
      new StructField('event_type', StringType()),
      new StructField('amount', DecimalType(10, 2)),
      new StructField('timestamp', TimestampType()),
    ]);
    let reader = spark.readStream.format('kafka')
      .option('kafka.bootstrap.servers', kafka.saslSsl)
      .option('subscribe', topic)
      .option('startingOffsets', 'earliest')
      .option('maxOffsetsPerTrigger', 4_000);
    for (const [k, v] of Object.entries(kafkaOptions)) reader = reader.option(k, v);
    const query: StreamingQuery = await reader.load()
      .select(fromJson(col('value').cast('string'), schema).alias('data')).select('data.*')
      .withWatermark('timestamp', '10 minutes')
      .groupBy(window(col('timestamp'), '5 minutes'), col('customer_id'))
      .agg(count('*').alias('event_count'), sum('amount').alias('total_amount'))
      .writeStream.format('delta').outputMode('append')
      .option('checkpointLocation', checkpoint)
      .trigger({ processingTime: '200 milliseconds' })
      .start(table);

    const finalWatermark = Math.floor(gen.watermarkMicros / 1000) * 1000;
    await waitUntil(query, async () => watermarkMicros(await query.lastProgress()) >= finalWatermark, 300_000,
      async () => `status ${JSON.stringify(await query.status())}`);
    const progress = await query.recentProgress();
    // While the query runs, the driver's saved spec names the password file, and holds no password.
    const saved = filesUnder(path.join(dir, 'cluster', 'driver-state')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    assert.ok(saved.includes(JSON.stringify(kafka.passwordFile)), 'the saved spec names the password file');
    assert.equal(saved.includes(kafka.password) || saved.includes(REDIS_PASSWORD), false, 'no password in the saved spec');
    await query.stop();

    const expected = computeExpected([...inOrder.values, ...closing.values], { windowMicros: WINDOW, delayMicros: DELAY });
    const actual = aggregateRows(await readTableRows(new LocalStorage(), table)).map((r) => ({ ...r, count: r.eventCount, sumCents: r.totalCents }));
    const diff = diffRows(expected.rows, actual);
    assert.ok(diff.equal, diff.text);
    assert.ok(expected.rows.length > 1_000, `expected many rows, got ${expected.rows.length}`);
    assert.ok(progress.filter((p) => p.numInputRows > 0).length >= 5, 'several batches carried state');
    assert.equal(progress.reduce((a, p) => a + p.numInputRows, 0), inOrder.count + closing.count);

    // The state went through this Redis, as the ACL user over TLS.
    const raw = createRedisClient(
      { host: '127.0.0.1', port: redis.port, username: 'tributary', password: REDIS_PASSWORD, tls: { ca: certs.read(certs.ca.cert) } },
      { timeoutMs: 5_000, lazyConnect: true },
    );
    try {
      await raw.connect();
      assert.ok((await raw.keys(`trib:{${query.id}}:*`)).length > 0, 'state keys of the query in Redis');
    } finally {
      raw.disconnect();
    }

    // No password in anything the engine wrote.
    const secrets = [kafka.password, REDIS_PASSWORD];
    const leaks: string[] = [];
    for (const root of [checkpoint, table, path.join(dir, 'cluster')]) {
      for (const file of filesUnder(root)) {
        const bytes = fs.readFileSync(file);
        for (const s of secrets) if (bytes.includes(Buffer.from(s))) leaks.push(`${path.relative(dir, file)} holds ${s === REDIS_PASSWORD ? 'the Redis' : 'the Kafka'} password`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});

function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}
