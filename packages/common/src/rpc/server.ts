/**
 * A gRPC server of Tributary services whose handlers are plain async functions. Each handler
 * replies exactly once: a resolved value is the response; a thrown TributaryError becomes the
 * matching status code with its message; anything else is INTERNAL (and logged), never a crash.
 *
 * Access (`add(service, handlers, access)`), checked before the handler runs, so a refused call
 * changes nothing:
 * - with TLS, the handshake already refused any client without a certificate issued by the cluster
 *   CA; `roles` then names the certificate roles (rpc/tls.ts) that may call, per service or per
 *   method: another role is PERMISSION_DENIED. Without TLS (loopback local mode) roles are not checked.
 * - `token`: every call must carry it as a bearer token (rpc/bearer-token.ts), else UNAUTHENTICATED.
 */
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, PermissionDeniedError, TributaryError, UnauthenticatedError, UnavailableError } from '../errors';
import { checkBearerToken } from './bearer-token';
import { CHANNEL_OPTIONS, ServiceName, serviceDefinition } from './proto-loader';
import { HealthReporter, healthServiceDefinition } from './health';
import { PeerRole, peerRoles, serverCredentials, TlsIdentity } from './tls';

export interface ServiceAccess {
  /** Certificate roles allowed to call: one list for the whole service, or one per method. */
  roles?: readonly PeerRole[] | Record<string, readonly PeerRole[]>;
  /** The bearer token every call must carry. */
  token?: string;
}

type Guard = (call: grpc.ServerUnaryCall<any, any> | grpc.ServerWritableStream<any, any>) => void;

export type UnaryHandler = (request: any, call: grpc.ServerUnaryCall<any, any>) => Promise<any>;
/**
 * A server-streaming method: `send` writes one response message; the stream ends when the returned
 * promise settles (a rejection ends it with the error's status). `closed` aborts when the client
 * cancels or goes away.
 */
export type ServerStreamHandler = (request: any, send: (message: object) => void, closed: AbortSignal) => Promise<void>;
export type ServiceHandlers = Record<string, UnaryHandler>;
export type StreamHandlers = Record<string, ServerStreamHandler>;

const STATUS_BY_CODE: Record<string, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  DATA_LOSS: grpc.status.DATA_LOSS,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  FENCED: grpc.status.ABORTED,
  CHECKPOINT_IN_USE: grpc.status.FAILED_PRECONDITION,
  CHECKPOINT_CORRUPT: grpc.status.FAILED_PRECONDITION,
  CHECKPOINT_FORMAT_UNSUPPORTED: grpc.status.FAILED_PRECONDITION,
};

export function statusOf(err: unknown): grpc.status {
  if (err instanceof InvalidArgumentError) return grpc.status.INVALID_ARGUMENT;
  if (err instanceof UnavailableError) return grpc.status.UNAVAILABLE;
  if (err instanceof TributaryError) {
    return STATUS_BY_CODE[err.code] ?? (err.retriable ? grpc.status.UNAVAILABLE : grpc.status.INTERNAL);
  }
  return grpc.status.INTERNAL;
}

function wrap(name: string, handler: UnaryHandler, guard: Guard): grpc.handleUnaryCall<any, any> {
  return (call, callback) => {
    let replied = false;
    const reply = (err: grpc.ServiceError | null, value?: any) => {
      if (replied) return;
      replied = true;
      callback(err, value);
    };
    Promise.resolve()
      .then(() => { guard(call); return handler(call.request, call); })
      .then(
        (value) => reply(null, value ?? {}),
        (err: unknown) => {
          const code = statusOf(err);
          if (code === grpc.status.INTERNAL) console.error(`[rpc] ${name} failed:`, err);
          if (err instanceof UnauthenticatedError || err instanceof PermissionDeniedError) console.error(`[rpc] ${name} refused (${err.code}) from ${call.getPeer()}: ${err.message}`);
          const message = err instanceof Error ? err.message : String(err);
          reply({ name: 'Error', message, code, details: message, metadata: new grpc.Metadata() } as grpc.ServiceError);
        },
      );
  };
}

function wrapStream(name: string, handler: ServerStreamHandler, guard: Guard): grpc.handleServerStreamingCall<any, any> {
  return (call) => {
    const closed = new AbortController();
    call.on('cancelled', () => closed.abort());
    call.on('close', () => closed.abort());
    Promise.resolve()
      .then(() => { guard(call); return handler(call.request, (m) => { if (!closed.signal.aborted) call.write(m); }, closed.signal); })
      .then(
        () => { if (!closed.signal.aborted) call.end(); },
        (err: unknown) => {
          if (closed.signal.aborted) return;
          const code = statusOf(err);
          if (code === grpc.status.INTERNAL) console.error(`[rpc] ${name} failed:`, err);
          if (err instanceof UnauthenticatedError || err instanceof PermissionDeniedError) console.error(`[rpc] ${name} refused (${err.code}) from ${call.getPeer()}: ${err.message}`);
          const message = err instanceof Error ? err.message : String(err);
          // 'error' on a server stream sends the status to the client (destroy alone does not).
          call.emit('error', { name: 'Error', message, code, details: message, metadata: new grpc.Metadata() } as grpc.ServiceError);
        },
      );
  };
}

/** The check of one method's calls: the caller's certificate role (with TLS), then its token. */
function guardOf(service: string, method: string, access: ServiceAccess, tls: boolean): Guard {
  const roles = access.roles === undefined ? undefined : Array.isArray(access.roles) ? access.roles : (access.roles as Record<string, readonly PeerRole[]>)[method] ?? [];
  return (call) => {
    if (tls && roles) {
      const cert = call.getAuthContext()?.sslPeerCertificate;
      if (!cert) throw new UnauthenticatedError(`${service}.${method} requires a client certificate issued by the cluster CA`);
      const has = peerRoles(cert);
      if (!has.some((r) => roles.includes(r))) {
        throw new PermissionDeniedError(`${service}.${method} may be called by ${roles.map((r) => `'${r}'`).join(' or ')} certificates only; `
          + `this client's certificate (subject CN=${cert.subject?.CN ?? '?'}) has ${has.length ? has.map((r) => `'${r}'`).join(', ') : 'no tributary role'}`);
      }
    }
    if (access.token !== undefined) checkBearerToken(call.metadata, access.token, service);
  };
}

export class RpcServer {
  private readonly server: grpc.Server;
  private readonly tls: TlsIdentity | undefined;

  /**
   * `maxReceiveBytes`: larger requests are refused with RESOURCE_EXHAUSTED (default: CHANNEL_OPTIONS, for shuffle traffic).
   * `tls`: serve mutual TLS with this identity (plaintext without).
   */
  constructor(opts: { maxReceiveBytes?: number; tls?: TlsIdentity } = {}) {
    this.server = new grpc.Server(opts.maxReceiveBytes === undefined ? CHANNEL_OPTIONS : { ...CHANNEL_OPTIONS, 'grpc.max_receive_message_length': opts.maxReceiveBytes });
    this.tls = opts.tls;
  }

  /** `access`: who may call (checked before every unary and streaming call); `streams`: the handlers of the service's server-streaming methods. */
  add(service: ServiceName, handlers: ServiceHandlers, access: ServiceAccess = {}, streams: StreamHandlers = {}): this {
    const def = serviceDefinition(service);
    const impl: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(def)) {
      if (def[method].responseStream) {
        const h = streams[method];
        if (!h) throw new Error(`no stream handler for ${service}.${method}`);
        impl[method] = wrapStream(`${service}.${method}`, h, guardOf(service, method, access, this.tls !== undefined));
        continue;
      }
      const h = handlers[method];
      if (!h) throw new Error(`no handler for ${service}.${method}`);
      impl[method] = wrap(`${service}.${method}`, h, guardOf(service, method, access, this.tls !== undefined));
    }
    this.server.addService(def, impl);
    return this;
  }

  /** Serves gRPC's standard health checking (grpc.health.v1.Health) with the statuses of `health`. */
  addHealth(health: HealthReporter): this {
    this.server.addService(healthServiceDefinition(), health.handlers());
    return this;
  }

  /** Binds host:port (port 0 picks a free one) and returns the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, serverCredentials(this.tls), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.server.forceShutdown(); resolve(); }, 2000);
      this.server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
  }
}
