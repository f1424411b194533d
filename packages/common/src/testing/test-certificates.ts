/**
 * Test support: a throwaway CA and certificates made with the `openssl` command into a temporary
 * directory, for servers (Redis, Kafka) the tests start with TLS. Keys are unencrypted PKCS#8 PEM
 * ("BEGIN PRIVATE KEY", what Kafka's PEM key store reads); certificates are valid for a day.
 *   ca       the CA (self-signed)
 *   server   CN localhost, SANs DNS:localhost and IP:127.0.0.1, signed by the CA
 *   client   CN tributary-test-client, signed by the CA (for mutual TLS)
 *   rogueCa  an unrelated CA, to show a client refusing a server it does not trust
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PemFiles {
  cert: string;
  key: string;
}

export interface TestCertificates {
  dir: string;
  ca: PemFiles;
  server: PemFiles;
  client: PemFiles;
  rogueCa: PemFiles;
  /** A file's content. */
  read(file: string): string;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSigned(dir: string, name: string, cn: string): PemFiles {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', files.key, '-out', files.cert], dir);
  return files;
}

function signed(dir: string, name: string, cn: string, ca: PemFiles, extensions: string): PemFiles {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', files.key, '-out', csr], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', files.cert], dir);
  return files;
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trib-certs-'));
  const ca = selfSigned(dir, 'ca', 'Tributary Test CA');
  const server = signed(dir, 'server', 'localhost', ca,
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  const client = signed(dir, 'client', 'tributary-test-client', ca,
    'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  const rogueCa = selfSigned(dir, 'rogue-ca', 'Rogue CA');
  return {
    dir, ca, server, client, rogueCa,
    read: (file) => readFileSync(file, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
