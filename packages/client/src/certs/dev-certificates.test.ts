import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { certDirFiles, readTlsIdentity } from '@tributary/common';
import { createDevCertificates } from './dev-certificates';

describe('development certificates', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-certs-'));
    createDevCertificates({ dir: path.join(dir, 'a'), driverHosts: ['10.0.0.7', 'driver.example'], executorHosts: ['10.0.0.8'], days: 30 });
    createDevCertificates({ dir: path.join(dir, 'b') });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const x509 = (sub: string, name: string) => new crypto.X509Certificate(fs.readFileSync(path.join(dir, sub, `${name}.crt`)));

  it('issues every certificate from the CA, with its role, its hosts and its key usages', () => {
    const ca = x509('a', 'ca');
    assert.ok(ca.ca && ca.verify(ca.publicKey), 'a self-signed CA');
    for (const [name, role] of [['driver', 'driver'], ['executor', 'executor'], ['client', 'client']]) {
      const c = x509('a', name);
      assert.ok(!c.ca && c.checkIssued(ca) && c.verify(ca.publicKey), `${name} issued by the CA`);
      assert.deepEqual(readTlsIdentity(certDirFiles(path.join(dir, 'a'), name)).roles, [role]);
      assert.match(c.subject, new RegExp(`OU=${role}`));
      const days = (Date.parse(c.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30, `${name} valid 30 days, got ${days}`);
      // serverAuth 1.3.6.1.5.5.7.3.1, clientAuth 1.3.6.1.5.5.7.3.2
      assert.deepEqual([...c.keyUsage].sort(), role === 'client' ? ['1.3.6.1.5.5.7.3.2'] : ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      if (role === 'client') assert.equal(c.subjectAltName, `URI:tributary:client`);
      else {
        const own = role === 'driver' ? ['10.0.0.7', 'driver.example'] : ['10.0.0.8'];
        for (const h of ['localhost', '127.0.0.1', ...own]) assert.equal(c.checkHost(h) ?? c.checkIP(h), h, `${name} names ${h}`);
        assert.equal(c.checkIP(role === 'driver' ? '10.0.0.8' : '10.0.0.7'), undefined);
      }
    }
    assert.ok(fs.readFileSync(path.join(dir, 'a', 'token'), 'utf8').trim().length >= 40);
  });

  it('makes a new CA each time: a certificate of one cluster is not issued by the other, and keys must match', () => {
    assert.notEqual(fs.readFileSync(path.join(dir, 'a', 'token'), 'utf8'), fs.readFileSync(path.join(dir, 'b', 'token'), 'utf8'));
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    assert.throws(() => readTlsIdentity({ ca: `${a}/ca.crt`, cert: `${b}/client.crt`, key: `${b}/client.key` }), /client\.crt is not issued by the CA in .*a\/ca\.crt/);
    assert.throws(() => readTlsIdentity({ ca: `${a}/ca.crt`, cert: `${a}/client.crt`, key: `${a}/driver.key` }), /driver\.key is not the private key of .*client\.crt/);
    assert.throws(() => readTlsIdentity({ ca: `${a}/ca.crt`, cert: `${a}/nope.crt`, key: `${a}/client.key` }), /cannot read the TLS certificate .*nope\.crt: ENOENT/);
    assert.throws(() => readTlsIdentity({ ca: `${a}/token`, cert: `${a}/client.crt`, key: `${a}/client.key` }), /token is not a PEM certificate/);
  });

  it('refuses a host that is neither an IP address nor a DNS name, and a validity of no days', () => {
    assert.throws(() => createDevCertificates({ dir: path.join(dir, 'c'), executorHosts: ['bad host'] }), /'bad host' is neither an IP address nor a DNS name/);
    assert.throws(() => createDevCertificates({ dir: path.join(dir, 'c'), days: 0 }), /days must be > 0/);
    assert.ok(!fs.existsSync(path.join(dir, 'c')), 'nothing written');
  });
});
