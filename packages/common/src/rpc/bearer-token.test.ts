import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { UnauthenticatedError } from '../errors';
import { checkBearerToken, checkedToken, readTokenFile, tokenMetadata } from './bearer-token';

const TOKEN = 'a-token-of-enough-length-0123';

describe('bearer token', () => {
  it('accepts the token it expects, sent as authorization: Bearer', () => {
    assert.deepEqual(tokenMetadata(TOKEN).get('authorization'), [`Bearer ${TOKEN}`]);
    assert.doesNotThrow(() => checkBearerToken(tokenMetadata(TOKEN), TOKEN, 'QueryService'));
  });

  it('refuses a missing, malformed, wrong, longer or shorter token with UnauthenticatedError', () => {
    const refused = (md: grpc.Metadata, message: RegExp) => assert.throws(() => checkBearerToken(md, TOKEN, 'QueryService'),
      (e: unknown) => e instanceof UnauthenticatedError && e.code === 'UNAUTHENTICATED' && message.test(e.message));
    refused(new grpc.Metadata(), /^QueryService requires a bearer token \(metadata 'authorization: Bearer <token>'\); none was sent$/);
    const basic = new grpc.Metadata();
    basic.set('authorization', `Basic ${TOKEN}`);
    refused(basic, /requires one 'authorization: Bearer <token>' metadata entry/);
    for (const t of [`${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.replace('a', 'b'), 'x'.repeat(64)]) refused(tokenMetadata(t), /^QueryService: the bearer token is not valid for this driver$/);
  });

  it('reads a token file without surrounding whitespace and refuses short or spaced tokens', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-token-'));
    try {
      fs.writeFileSync(path.join(dir, 'ok'), `  ${TOKEN}\n`);
      assert.equal(readTokenFile(path.join(dir, 'ok')), TOKEN);
      fs.writeFileSync(path.join(dir, 'short'), 'abc\n');
      assert.throws(() => readTokenFile(path.join(dir, 'short')), /the token in .*short has 3 characters; a token needs at least 16/);
      assert.throws(() => readTokenFile(path.join(dir, 'missing')), /cannot read the token file .*missing: ENOENT/);
      assert.throws(() => checkedToken('has a space in it, long enough'), /printable ASCII without spaces/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
