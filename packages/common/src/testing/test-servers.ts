/**
 * Where the tests' real Kafka broker and Redis are: TRIBUTARY_TEST_KAFKA and TRIBUTARY_TEST_REDIS
 * (host:port), set by the mocha root hooks (test/support/root-hooks.ts) after they start the servers,
 * or by the developer to reuse running ones. Read when a test runs, never at module load, since the
 * hooks set them after the test files were loaded.
 */
export function testKafka(): string {
  const v = process.env.TRIBUTARY_TEST_KAFKA;
  if (!v) throw new Error('TRIBUTARY_TEST_KAFKA is not set: run the tests through npm test (its root hooks start Kafka and Redis)');
  return v;
}

export function testRedis(): { host: string; port: number } {
  const v = process.env.TRIBUTARY_TEST_REDIS;
  if (!v) throw new Error('TRIBUTARY_TEST_REDIS is not set: run the tests through npm test (its root hooks start Kafka and Redis)');
  const [host, port] = v.split(':');
  return { host, port: Number(port) };
}
