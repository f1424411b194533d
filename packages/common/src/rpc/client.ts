/**
 * Promise-returning gRPC clients of Tributary services. `call(method, request, deadlineMs)` resolves
 * with the response or rejects with an RpcError carrying the gRPC status code and detail.
 */
import * as grpc from '@grpc/grpc-js';
import { TributaryError } from '../errors';
import { tokenMetadata } from './bearer-token';
import { CHANNEL_OPTIONS, ServiceName, clientConstructor } from './proto-loader';
import { channelCredentials, TlsIdentity } from './tls';

/** How a client proves who it is: mutual TLS with this identity (plaintext without), and a bearer token for the driver's QueryService. */
export interface RpcClientSecurity {
  tls?: TlsIdentity;
  token?: string;
}

const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);

export class RpcError extends TributaryError {
  readonly status: grpc.status;
  constructor(method: string, status: grpc.status, detail: string) {
    const name = CODE_NAMES[status] ?? String(status);
    super(detail, {
      code: name,
      retriable: status === grpc.status.UNAVAILABLE || status === grpc.status.DEADLINE_EXCEEDED || status === grpc.status.CANCELLED,
    });
    this.status = status;
    this.message = detail;
    void method;
  }
}

export class RpcClient {
  private readonly client: grpc.Client;
  private readonly token: string | undefined;
  constructor(readonly service: ServiceName, readonly address: string, security: RpcClientSecurity = {}) {
    const Ctor = clientConstructor(service);
    // QueryService and ClusterService are the driver's; TaskService and ShuffleService an executor's.
    const server = service === 'QueryService' || service === 'ClusterService' ? 'driver' : 'executor';
    this.client = new Ctor(address, channelCredentials(security.tls, server), CHANNEL_OPTIONS);
    this.token = security.token;
  }

  call<Res = any>(method: string, request: object, deadlineMs = 30_000): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as any)[method];
      if (typeof fn !== 'function') { reject(new Error(`${this.service} has no method ${method}`)); return; }
      const metadata = this.token === undefined ? new grpc.Metadata() : tokenMetadata(this.token);
      fn.call(this.client, request, metadata, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, res: Res) => {
        if (err) reject(new RpcError(`${this.service}.${method}`, err.code ?? grpc.status.UNKNOWN, err.details || err.message));
        else resolve(res);
      });
    });
  }

  /**
   * Calls a server-streaming method: `onMessage` gets each response; the promise resolves when the
   * server ends the stream and rejects with an RpcError on a failure (not after `cancel()`).
   */
  stream<Res = any>(method: string, request: object, onMessage: (m: Res) => void): { done: Promise<void>; cancel(): void } {
    const fn = (this.client as any)[method];
    if (typeof fn !== 'function') return { done: Promise.reject(new Error(`${this.service} has no method ${method}`)), cancel: () => {} };
    // The bearer token goes with the stream as with every unary call.
    const metadata = this.token === undefined ? new grpc.Metadata() : tokenMetadata(this.token);
    const call: grpc.ClientReadableStream<Res> = fn.call(this.client, request, metadata);
    let cancelled = false;
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', onMessage);
      call.on('end', () => resolve());
      call.on('error', (err: grpc.ServiceError) => {
        if (cancelled || err.code === grpc.status.CANCELLED) resolve();
        else reject(new RpcError(`${this.service}.${method}`, err.code ?? grpc.status.UNKNOWN, err.details || err.message));
      });
    });
    return { done, cancel: () => { cancelled = true; call.cancel(); } };
  }

  close(): void {
    this.client.close();
  }
}
