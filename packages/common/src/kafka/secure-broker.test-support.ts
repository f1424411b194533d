/**
 * Test support: a Kafka broker that requires authentication (deploy/kafka/start-secure.sh), with a
 * throwaway CA and server certificate (testing/test-certificates.ts) and one user whose password is
 * in a file. Listeners: SASL_PLAINTEXT at `port`, SASL_SSL at port+1, SSL at port+2 (which requires a
 * client certificate signed by the same CA: certs.client).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeTestCertificates, TestCertificates } from '../testing/test-certificates';

const run = promisify(execFile);
const DEPLOY_KAFKA = path.resolve(__dirname, '..', '..', '..', '..', 'deploy', 'kafka');

export class SecureKafkaBroker {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly certs: TestCertificates,
    readonly user: string,
    readonly password: string,
    /** A file holding the password, as kafka.sasl.password.file names it. */
    readonly passwordFile: string,
  ) {}

  get saslPlaintext(): string { return `127.0.0.1:${this.port}`; }
  get saslSsl(): string { return `127.0.0.1:${this.port + 1}`; }
  get ssl(): string { return `127.0.0.1:${this.port + 2}`; }
  /** The CA file the broker's certificate chains to (kafka.ssl.ca.location). */
  get caFile(): string { return this.certs.ca.cert; }

  static async start(user = 'alice', password = `pw-${Math.random().toString(36).slice(2, 12)}`): Promise<SecureKafkaBroker> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trib-secure-kafka-'));
    const certs = makeTestCertificates();
    const tlsDir = path.join(dir, 'tls');
    mkdirSync(tlsDir);
    copyFileSync(certs.server.cert, path.join(tlsDir, 'server.crt'));
    copyFileSync(certs.server.key, path.join(tlsDir, 'server.key'));
    copyFileSync(certs.ca.cert, path.join(tlsDir, 'ca.crt'));
    const passwordFile = path.join(dir, 'password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    const port = await freePorts(5);
    const broker = new SecureKafkaBroker(dir, port, certs, user, password, passwordFile);
    try {
      await run(path.join(DEPLOY_KAFKA, 'start-secure.sh'), [path.join(dir, 'broker'), String(port), tlsDir, user, passwordFile], { timeout: 180_000 });
    } catch (err) {
      await broker.stop();
      const e = err as { stderr?: string; message: string };
      throw new Error(`deploy/kafka/start-secure.sh failed: ${(e.stderr || e.message).trim()}`);
    }
    return broker;
  }

  async stop(): Promise<void> {
    await run(path.join(DEPLOY_KAFKA, 'stop.sh'), [path.join(this.dir, 'broker')], { timeout: 60_000 }).catch(() => undefined);
    this.certs.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The first of `n` consecutive ports that were free on 127.0.0.1 a moment ago. */
async function freePorts(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await listenAndClose(0);
    if (first === undefined || first + n > 65535) continue;
    let ok = true;
    for (let i = 1; i < n && ok; i++) ok = (await listenAndClose(first + i)) !== undefined;
    if (ok) return first;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

function listenAndClose(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}
