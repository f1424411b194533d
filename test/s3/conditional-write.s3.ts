/**
 * The S3 server's conditional writes, checked with the raw AWS SDK before anything relies on them:
 * `PutObject` with `If-None-Match: *` creates an object only where none is, and answers
 * 412 Precondition Failed (leaving the object as it was) where one is, also when the writers race.
 * S3Storage's put-if-absent, and with it every Delta commit on S3, rests on exactly this. (S3Mock
 * gets the race right only with one request thread, as deploy/s3mock/run.sh starts it.)
 */
import { strict as assert } from 'node:assert';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3TestServer } from '../support/s3-server';

describe('S3 server: PutObject with If-None-Match: * (raw SDK)', () => {
  let server: S3TestServer;
  let client: S3Client;
  let bucket: string;

  before(async function () {
    this.timeout(240_000);
    server = await S3TestServer.start();
    console.log(`      S3Mock serving after ${server.startupMs} ms`);
    client = server.client();
    bucket = await server.createBucket();
  });
  after(async function () {
    this.timeout(60_000);
    await server?.stop();
  });

  const read = async (key: string): Promise<string> => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body!.transformToString();
  };

  const conditionalPut = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));

  /** The error a conditional put rejects with, asserted to be an S3 service error. */
  const rejection = async (put: Promise<unknown>): Promise<S3ServiceException> => {
    try {
      await put;
    } catch (error) {
      assert.ok(error instanceof S3ServiceException, `expected an S3 service error, got ${String(error)}`);
      return error;
    }
    assert.fail('the conditional put succeeded on an existing key');
  };

  it('creates a new key (200) and stores the bytes', async () => {
    const out = await conditionalPut('_delta_log/00000000000000000000.json', 'version 0 by writer A');
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(await read('_delta_log/00000000000000000000.json'), 'version 0 by writer A');
  });

  it('answers 412 PreconditionFailed on an existing key and leaves its content unchanged', async () => {
    await conditionalPut('_delta_log/00000000000000000001.json', 'version 1 by writer A');
    const error = await rejection(conditionalPut('_delta_log/00000000000000000001.json', 'version 1 by writer B, longer'));
    assert.equal(error.$metadata.httpStatusCode, 412);
    assert.equal(error.name, 'PreconditionFailed');
    assert.equal(await read('_delta_log/00000000000000000001.json'), 'version 1 by writer A');
  });

  it('answers 412 on a key written by a plain (unconditional) PutObject too', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'written plainly' }));
    const error = await rejection(conditionalPut('plain', 'conditional'));
    assert.equal(error.$metadata.httpStatusCode, 412);
    assert.equal(await read('plain'), 'written plainly');
  });

  it('creates the key again once it was deleted', async () => {
    await conditionalPut('claim', 'first claim');
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'claim' }));
    const out = await conditionalPut('claim', 'second claim');
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(await read('claim'), 'second claim');
  });

  it('of 12 conditional PutObjects racing on one key, in 10 rounds, exactly one gets 200 and the rest 412', async () => {
    const clients = Array.from({ length: 12 }, () => server.client());
    for (let round = 0; round < 10; round++) {
      const key = `_delta_log/${String(100 + round).padStart(20, '0')}.json`;
      const statuses = await Promise.all(
        clients.map((c, i) =>
          c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `writer ${i}`, IfNoneMatch: '*' })).then(
            (out) => out.$metadata.httpStatusCode,
            (error) => (error instanceof S3ServiceException ? error.$metadata.httpStatusCode : String(error)),
          ),
        ),
      );
      const winners = statuses.flatMap((status, i) => (status === 200 ? [i] : []));
      assert.equal(winners.length, 1, `round ${round}: statuses ${JSON.stringify(statuses)}`);
      assert.deepEqual(statuses.filter((status) => status !== 200), Array(11).fill(412));
      assert.equal(await read(key), `writer ${winners[0]}`);
    }
  });

  it('a plain PutObject still replaces an existing key (the condition is what refuses)', async () => {
    await conditionalPut('hint', 'old');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'hint', Body: 'new' }));
    assert.equal(await read('hint'), 'new');
  });
});
