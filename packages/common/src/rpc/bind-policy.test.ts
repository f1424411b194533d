import assert from 'node:assert/strict';
import { checkBind, isLoopback } from './bind-policy';

describe('bind policy', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::2', '']) assert.ok(!isLoopback(h), h);
  });

  it('lets loopback serve plaintext without a token', () => {
    assert.equal(checkBind({ process: 'driver', host: '127.0.0.1', tls: false, token: false, insecure: false }), undefined);
    assert.equal(checkBind({ process: 'executor', host: 'localhost', tls: false, insecure: false }), undefined);
  });

  it('refuses another address without TLS, and a driver without a token, naming what is missing', () => {
    assert.throws(() => checkBind({ process: 'driver', host: '0.0.0.0', tls: false, token: false, insecure: false }),
      /the driver would serve on 0\.0\.0\.0, which is not a loopback address, without TLS \(--tls-ca, --tls-cert, --tls-key\) and a client token \(--token-file or TRIBUTARY_TOKEN\); configure them/);
    assert.throws(() => checkBind({ process: 'driver', host: '10.1.2.3', tls: true, token: false, insecure: false }), /without a client token .*; configure it, bind to 127\.0\.0\.1, or pass --insecure/);
    assert.throws(() => checkBind({ process: 'driver', host: '10.1.2.3', tls: false, token: true, insecure: false }), /without TLS \(--tls-ca, --tls-cert, --tls-key\); configure it/);
    assert.throws(() => checkBind({ process: 'executor', host: '10.1.2.3', tls: false, insecure: false }), /the executor would serve on 10\.1\.2\.3, which is not a loopback address, without TLS/);
  });

  it('accepts another address with TLS (and on the driver a token), or with --insecure and a warning', () => {
    assert.equal(checkBind({ process: 'driver', host: '0.0.0.0', tls: true, token: true, insecure: false }), undefined);
    assert.equal(checkBind({ process: 'executor', host: '10.1.2.3', tls: true, insecure: false }), undefined);
    assert.match(checkBind({ process: 'driver', host: '0.0.0.0', tls: true, token: false, insecure: true })!,
      /^WARNING: --insecure: the driver serves on 0\.0\.0\.0 without a client token .*; anyone who reaches this port can submit and stop queries/);
    assert.match(checkBind({ process: 'executor', host: '0.0.0.0', tls: false, insecure: true })!, /^WARNING: --insecure: the executor serves on 0\.0\.0\.0 without TLS .*run tasks and send shuffle data/);
  });
});
