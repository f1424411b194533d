/**
 * One TCP connection to one Kafka broker. Requests are pipelined; the broker answers them in the
 * order sent, and each answer is matched to its request by correlation id. A response lands in a
 * buffer the request may supply (so fetch responses land in reused memory): large ones are read
 * from the socket straight into it, small ones copied there from a scratch buffer.
 * Any failure (socket error, close, timeout, a correlation mismatch) fails every pending request and
 * the connection is unusable from then on: callers take a new one.
 *
 * With `security.tls` the connection is TLS (node:tls; the broker's certificate must chain to the
 * CA given and name the host); with `security.sasl` it authenticates before it is handed out
 * (sasl-authenticate.ts). A refused certificate or refused credentials fail with a non-retriable
 * error (codes KAFKA_TLS, KAFKA_AUTHENTICATION): trying again would not help.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { TributaryError, UnavailableError } from '../errors';
import { authenticate } from './sasl-authenticate';
import { KafkaSecurity, tlsConnectOptions } from './security';
import { RequestWriter, writeRequestHeader } from './wire-protocol';

export interface BrokerAddress {
  host: string;
  port: number;
}

export interface ConnectionOptions {
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** TLS and SASL; plain text without authentication when absent. */
  security?: KafkaSecurity;
}

export interface SendOptions {
  /** Overrides the connection's request timeout (a Fetch adds its max wait). */
  timeoutMs?: number;
  /** Memory for the response of `size` bytes (correlation id included); at least that long. */
  allocate?: (size: number) => Buffer;
}

interface Pending {
  correlationId: number;
  apiKey: number;
  allocate?: (size: number) => Buffer;
  timer: NodeJS.Timeout;
  resolve(body: Buffer): void;
  reject(e: Error): void;
}

/** Largest response accepted; guards against reading garbage as a size. */
const MAX_RESPONSE_BYTES = 1 << 30;

export class BrokerConnection {
  private readonly queue: Pending[] = [];
  private nextCorrelationId = 1;
  private failure: Error | null = null;
  private readonly sizeBuf = Buffer.alloc(4);
  private sizeFill = 0;
  private target: Buffer | null = null;
  private targetSize = 0;
  private targetFill = 0;

  private socket!: net.Socket;
  /** Where socket reads land when no response body is being filled (size prefixes, small answers). */
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  private readingInto: Buffer | null = null;

  private constructor(
    readonly address: BrokerAddress,
    private readonly opts: ConnectionOptions,
  ) {}

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('error', (e) => this.fail(connectionError(this.address, `socket error: ${e.message}`, e)));
    socket.on('close', () => this.fail(connectionError(this.address, 'connection closed')));
  }

  /**
   * The memory of the next socket read (net `onread`): the unfilled rest of the response being
   * received, so large responses (fetches) are read straight into their buffer with no copy and no
   * allocation per read; otherwise the scratch buffer, whose bytes `onData` copies on.
   */
  private readBuffer(): Buffer {
    const t = this.target;
    if (t !== null && this.targetSize - this.targetFill >= 4096) {
      this.readingInto = t;
      return t.subarray(this.targetFill, this.targetSize);
    }
    this.readingInto = null;
    return this.scratch;
  }

  private onRead(nread: number): void {
    if (this.readingInto !== null && this.readingInto === this.target) {
      this.targetFill += nread;
      if (this.targetFill === this.targetSize) this.complete();
      return;
    }
    this.onData(this.scratch.subarray(0, nread));
  }

  /** A connection ready for requests: connected, with TLS and SASL done as `opts.security` asks. */
  static async connect(address: BrokerAddress, opts: ConnectionOptions): Promise<BrokerConnection> {
    const conn = await BrokerConnection.open(address, opts);
    const sasl = opts.security?.sasl;
    if (sasl !== undefined) {
      try {
        await authenticate(conn, sasl, `Kafka broker ${address.host}:${address.port}`);
      } catch (e) {
        conn.close();
        throw e;
      }
    }
    return conn;
  }

  private static open(address: BrokerAddress, opts: ConnectionOptions): Promise<BrokerConnection> {
    return new Promise((resolve, reject) => {
      const conn = new BrokerConnection(address, opts);
      const withTls = opts.security?.tls;
      let socket: net.Socket;
      if (withTls === undefined) {
        socket = net.connect({
          host: address.host,
          port: address.port,
          onread: { buffer: () => conn.readBuffer(), callback: (n: number) => { conn.onRead(n); return true; } },
        });
      } else {
        // Decrypted bytes arrive as 'data' chunks, copied on by onData.
        socket = tls.connect({ host: address.host, port: address.port, ...tlsConnectOptions(withTls, address.host) });
        socket.on('data', (data: Buffer) => conn.onData(data));
      }
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(connectionError(address, `no connection within ${opts.connectTimeoutMs} ms`));
      }, opts.connectTimeoutMs);
      const onError = (e: Error) => {
        clearTimeout(timer);
        reject(withTls !== undefined && isCertificateError(e)
          ? new TributaryError(`Kafka broker ${address.host}:${address.port}: TLS refused the broker's certificate: ${e.message}`, { code: 'KAFKA_TLS', cause: e })
          : connectionError(address, `cannot connect${withTls !== undefined ? ' with TLS' : ''}: ${e.message}`, e));
      };
      socket.once('error', onError);
      socket.once(withTls === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        conn.attach(socket);
        resolve(conn);
      });
    });
  }

  get usable(): boolean {
    return this.failure === null;
  }

  get inFlight(): number {
    return this.queue.length;
  }

  /** Sends one request; resolves with the response body (after the correlation id). */
  send(apiKey: number, apiVersion: number, writeBody: (w: RequestWriter) => void, opts: SendOptions = {}): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const w = new RequestWriter();
    writeRequestHeader(w, apiKey, apiVersion, correlationId, this.opts.clientId);
    writeBody(w);
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(connectionError(this.address, `no response to api ${apiKey} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.queue.push({ correlationId, apiKey, allocate: opts.allocate, timer, resolve, reject });
      this.socket.write(w.frame());
    });
  }

  close(): void {
    this.fail(connectionError(this.address, 'connection closed by the client'));
  }

  private onData(data: Buffer): void {
    let i = 0;
    while (i < data.length && this.failure === null) {
      if (this.target === null) {
        const n = Math.min(4 - this.sizeFill, data.length - i);
        data.copy(this.sizeBuf, this.sizeFill, i, i + n);
        this.sizeFill += n;
        i += n;
        if (this.sizeFill < 4) return;
        this.sizeFill = 0;
        const size = this.sizeBuf.readInt32BE(0);
        const pending = this.queue[0];
        if (pending === undefined || size < 4 || size > MAX_RESPONSE_BYTES) {
          this.fail(connectionError(this.address, `unexpected response of ${size} bytes`));
          return;
        }
        this.target = pending.allocate ? pending.allocate(size) : Buffer.allocUnsafe(size);
        this.targetSize = size;
        this.targetFill = 0;
      }
      const n = Math.min(this.targetSize - this.targetFill, data.length - i);
      data.copy(this.target, this.targetFill, i, i + n);
      this.targetFill += n;
      i += n;
      if (this.targetFill === this.targetSize) this.complete();
    }
  }

  private complete(): void {
    const response = this.target!.subarray(0, this.targetSize);
    this.target = null;
    const pending = this.queue.shift()!;
    clearTimeout(pending.timer);
    const correlationId = response.readInt32BE(0);
    if (correlationId !== pending.correlationId) {
      const e = connectionError(this.address, `correlation id ${correlationId}, expected ${pending.correlationId}`);
      pending.reject(e);
      this.fail(e);
      return;
    }
    pending.resolve(response.subarray(4));
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.socket.destroy();
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.timer);
      p.reject(e);
    }
  }
}

export function connectionError(address: BrokerAddress, detail: string, cause?: unknown): UnavailableError {
  return new UnavailableError(`Kafka broker ${address.host}:${address.port}: ${detail}`, {
    code: 'KAFKA_CONNECTION',
    cause,
  });
}

/** node:tls's verdicts on a certificate (as opposed to a network failure during the handshake). */
function isCertificateError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|HOSTNAME/.test(code);
}
