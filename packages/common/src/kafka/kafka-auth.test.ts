import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TributaryError } from '../errors';
import { connectKafkaAdmin, KafkaAdmin } from './admin';
import { createRangeReader, RangeReader } from './range-reader';
import { RecordBatchBuilder } from './record-batch-builder';
import { createRecordProducer } from './record-producer';
import { SecureKafkaBroker } from './secure-broker.test-support';
import { KafkaSecurity, kafkaSecurityFromOptions } from './security';

/** The source options a job would set (prefix-less, as in KafkaSourceSpec.kafkaOptions). */
function jobOptions(broker: SecureKafkaBroker, protocol: string, mechanism?: string, passwordFile = broker.passwordFile): Record<string, string> {
  const o: Record<string, string> = { 'security.protocol': protocol };
  if (mechanism !== undefined) {
    o['sasl.mechanism'] = mechanism;
    const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    o['sasl.jaas.config'] = `${module} required username="${broker.user}";`;
    o['sasl.password.file'] = passwordFile;
  }
  if (protocol.endsWith('SSL')) o['ssl.ca.location'] = broker.caFile;
  if (protocol === 'SSL') {
    // The SSL listener requires a client certificate (mutual TLS).
    o['ssl.certificate.location'] = broker.certs.client.cert;
    o['ssl.key.location'] = broker.certs.client.key;
  }
  return o;
}

function address(broker: SecureKafkaBroker, protocol: string): string {
  return protocol === 'SASL_PLAINTEXT' ? broker.saslPlaintext : protocol === 'SASL_SSL' ? broker.saslSsl : broker.ssl;
}

/** Every value of partitions 0..1 of `topic` in [0, ends[p]), read with `reader`, by partition. */
async function readAll(reader: RangeReader, topic: string, ends: bigint[]): Promise<string[][]> {
  const out: string[][] = [];
  for (let p = 0; p < ends.length; p++) {
    const values: string[] = [];
    await reader.read({ topic, partition: p, from: 0n, to: ends[p] }, (c) => {
      for (let i = 0; i < c.count; i++) values.push(c.buf.toString('utf8', c.valueStart[i], c.valueStart[i] + c.valueLength[i]));
    });
    out.push(values);
  }
  return out;
}

describe('Kafka with SASL (PLAIN, SCRAM) and TLS against a broker that requires them', function () {
  this.timeout(240_000);
  let broker: SecureKafkaBroker;
  let admin: KafkaAdmin;
  const topic = `tributary-auth-${Date.now()}`;
  /** What the test produced, by partition, in offset order. */
  const produced: string[][] = [[], []];

  before(async () => {
    broker = await SecureKafkaBroker.start();
    admin = await connectKafkaAdmin({ brokers: [broker.saslPlaintext], security: kafkaSecurityFromOptions(jobOptions(broker, 'SASL_PLAINTEXT', 'PLAIN')) });
    assert.equal(await admin.createTopic(topic, 2), true);
    for (let p = 0; p < 2; p++) {
      const messages = Array.from({ length: 30 }, (_, i) => ({ partition: p, value: `p${p}-m${i}` }));
      await admin.produceBatch(topic, messages);
      produced[p].push(...messages.map((m) => m.value));
    }
  });

  after(async () => {
    await admin?.close();
    await broker?.stop();
  });

  const combinations: [string, string | undefined][] = [
    ['SASL_PLAINTEXT', 'PLAIN'],
    ['SASL_PLAINTEXT', 'SCRAM-SHA-512'],
    ['SASL_PLAINTEXT', 'SCRAM-SHA-256'],
    ['SASL_SSL', 'PLAIN'],
    ['SASL_SSL', 'SCRAM-SHA-512'],
    ['SSL', undefined],
  ];
  // (SSL: with a client certificate, which that listener requires.)
  for (const [protocol, mechanism] of combinations) {
    it(`the range reader and the admin client work over ${protocol}${mechanism ? ` with ${mechanism}` : ''}`, async () => {
      const security = kafkaSecurityFromOptions(jobOptions(broker, protocol, mechanism));
      const brokers = [address(broker, protocol)];
      const a = await connectKafkaAdmin({ brokers, security, clientId: 'tributary-auth-test' });
      const reader = await createRangeReader({ brokers, security, retries: 1, retryBackoffMs: 10 });
      try {
        const ends = await a.latestOffsets(topic, 'read_uncommitted');
        assert.deepEqual([...ends.entries()], [[0, BigInt(produced[0].length)], [1, BigInt(produced[1].length)]]);
        // kafkajs's producer authenticates the same way: one more record per partition over this listener.
        const tag = `${protocol}-${mechanism ?? 'none'}`;
        await a.produceBatch(topic, [{ partition: 0, value: `p0-${tag}` }, { partition: 1, value: `p1-${tag}` }]);
        produced[0].push(`p0-${tag}`);
        produced[1].push(`p1-${tag}`);
        const values = await readAll(reader, topic, [BigInt(produced[0].length), BigInt(produced[1].length)]);
        assert.deepEqual(values, produced);
      } finally {
        await reader.close();
        await a.close();
      }
    });
  }

  it("the project's own producer sends record batches over SASL_SSL with SCRAM-SHA-512", async () => {
    const security = kafkaSecurityFromOptions(jobOptions(broker, 'SASL_SSL', 'SCRAM-SHA-512'));
    const producer = await createRecordProducer({ brokers: [broker.saslSsl], security });
    try {
      const builder = new RecordBatchBuilder();
      for (let i = 0; i < 5; i++) {
        const value = Buffer.from(`own-${i}`);
        builder.append(null, value, 0, value.length, Date.now());
      }
      const base = await producer.send(topic, 1, builder.finish());
      assert.equal(base, produced[1].length);
      for (let i = 0; i < 5; i++) produced[1].push(`own-${i}`);
    } finally {
      await producer.close();
    }
    const reader = await createRangeReader({ brokers: [broker.saslSsl], security });
    try {
      assert.deepEqual(await readAll(reader, topic, [BigInt(produced[0].length), BigInt(produced[1].length)]), produced);
    } finally {
      await reader.close();
    }
  });

  for (const [protocol, mechanism] of [['SASL_PLAINTEXT', 'PLAIN'], ['SASL_SSL', 'SCRAM-SHA-512'], ['SASL_PLAINTEXT', 'SCRAM-SHA-512']] as const) {
    it(`a wrong password over ${protocol} with ${mechanism} is refused at once with KAFKA_AUTHENTICATION naming the mechanism and user`, async () => {
      const wrongFile = path.join(broker.dir, `wrong-${mechanism}`);
      writeFileSync(wrongFile, 'not-the-password\n');
      const security = kafkaSecurityFromOptions(jobOptions(broker, protocol, mechanism, wrongFile));
      const reader = await createRangeReader({ brokers: [address(broker, protocol)], security, retries: 5, retryBackoffMs: 500 });
      const started = Date.now();
      try {
        const err = await readAll(reader, topic, [1n]).then(() => null, (e: TributaryError) => e);
        assert.ok(err instanceof TributaryError, String(err));
        assert.equal(err.code, 'KAFKA_AUTHENTICATION');
        assert.equal(err.retriable, false);
        assert.match(err.message, new RegExp(`^Kafka broker 127\\.0\\.0\\.1:\\d+: SASL ${mechanism} authentication of user alice failed: .*SASL_AUTHENTICATION_FAILED`));
        assert.equal(err.message.includes('not-the-password'), false);
        assert.ok(Date.now() - started < 2_500, 'not retried');
      } finally {
        await reader.close();
      }
      // kafkajs refuses the same credentials.
      await assert.rejects(connectKafkaAdmin({ brokers: [address(broker, protocol)], security }), (e: Error) => {
        assert.match(e.message, /SASL|authentication/i);
        return true;
      });
    });
  }

  it('a user the broker does not know is refused', async () => {
    const security: KafkaSecurity = { sasl: { mechanism: 'SCRAM-SHA-512', username: 'nobody', password: 'x' } };
    const reader = await createRangeReader({ brokers: [broker.saslPlaintext], security, retries: 0 });
    try {
      const err = await readAll(reader, topic, [1n]).then(() => null, (e: TributaryError) => e);
      assert.equal(err?.code, 'KAFKA_AUTHENTICATION');
      assert.match(err!.message, /SASL SCRAM-SHA-512 authentication of user nobody failed/);
    } finally {
      await reader.close();
    }
  });

  it('a broker certificate that does not chain to the CA given is refused with KAFKA_TLS', async () => {
    const security: KafkaSecurity = { tls: { ca: broker.certs.read(broker.certs.rogueCa.cert) } };
    const reader = await createRangeReader({ brokers: [broker.ssl], security, retries: 3, retryBackoffMs: 500 });
    try {
      const err = await readAll(reader, topic, [1n]).then(() => null, (e: TributaryError) => e);
      assert.equal(err?.code, 'KAFKA_TLS');
      assert.equal(err!.retriable, false);
      assert.match(err!.message, /^Kafka broker 127\.0\.0\.1:\d+: TLS refused the broker's certificate: /);
    } finally {
      await reader.close();
    }
  });

  it('the SSL listener refuses a client without a certificate', async () => {
    const security: KafkaSecurity = { tls: { ca: broker.certs.read(broker.caFile) } };
    const reader = await createRangeReader({ brokers: [broker.ssl], security, retries: 1, retryBackoffMs: 10, connectTimeoutMs: 5_000, requestTimeoutMs: 5_000 });
    try {
      const err = await readAll(reader, topic, [1n]).then(() => null, (e: TributaryError) => e);
      assert.ok(err instanceof TributaryError, 'refused');
      assert.match(err.message, /Kafka broker 127\.0\.0\.1:\d+: /);
    } finally {
      await reader.close();
    }
  });

  it('a password file that cannot be read is named with its option', () => {
    assert.throws(() => kafkaSecurityFromOptions(jobOptions(broker, 'SASL_SSL', 'PLAIN', path.join(broker.dir, 'missing'))),
      /^InvalidArgumentError: kafka\.sasl\.password\.file .*missing cannot be read: ENOENT/);
  });
});
