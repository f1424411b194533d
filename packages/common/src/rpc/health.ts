/**
 * gRPC's standard health checking (grpc.health.v1.Health, proto/grpc/health/v1/health.proto) for a
 * Tributary process. The statuses a process reports:
 *
 *   ""                 the process as a whole: SERVING when it is ready for its role (a driver that
 *                      leads and accepts queries; an executor registered with its driver), else
 *                      NOT_SERVING;
 *   each service name  its Tributary services by full name (e.g. "tributary.v1.QueryService"),
 *                      always the same status as "";
 *   "liveness"         SERVING for as long as the process answers at all, also while not ready (a
 *                      standby driver, an executor looking for its driver): for liveness probes,
 *                      which must not restart a process only because it waits.
 *
 * Check answers a name not listed with the gRPC status NOT_FOUND. Watch sends the current status at
 * once and then each change; a name not listed gets SERVICE_UNKNOWN and the stream stays open.
 * `shutdown()` turns every status NOT_SERVING, tells the watchers, and ends their streams.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOAD_OPTIONS, PROTO_ROOT } from './proto-loader';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';
type WatchedStatus = ServingStatus | 'SERVICE_UNKNOWN';
type Watch = grpc.ServerWritableStream<{ service: string }, { status: WatchedStatus }>;

/** The service name whose status only says the process is alive. */
export const LIVENESS_SERVICE = 'liveness';

let definition: grpc.ServiceDefinition | undefined;

/** grpc.health.v1.Health as loaded from proto/grpc/health/v1/health.proto. */
export function healthServiceDefinition(): grpc.ServiceDefinition {
  if (!definition) {
    const def = protoLoader.loadSync('grpc/health/v1/health.proto', { ...LOAD_OPTIONS, includeDirs: [PROTO_ROOT] });
    definition = ((grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor).service;
  }
  return definition;
}

export class HealthReporter {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watches = new Set<{ service: string; call: Watch }>();
  private closed = false;

  /** `services`: the full names of the Tributary services this process serves; all start NOT_SERVING. */
  constructor(private readonly services: readonly string[]) {
    this.statuses.set(LIVENESS_SERVICE, 'SERVING');
    for (const name of ['', ...services]) this.statuses.set(name, 'NOT_SERVING');
  }

  /** Ready for its role or not: "" and every service name follow. Ignored after shutdown(). */
  setReady(ready: boolean): void {
    if (this.closed) return;
    for (const name of ['', ...this.services]) this.set(name, ready ? 'SERVING' : 'NOT_SERVING');
  }

  status(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every status NOT_SERVING, watchers told, then their streams ended (so a server can close). */
  shutdown(): void {
    if (this.closed) return;
    for (const name of this.statuses.keys()) this.set(name, 'NOT_SERVING');
    this.closed = true;
    for (const w of this.watches) w.call.end();
    this.watches.clear();
  }

  /** The handlers of grpc.health.v1.Health for grpc.Server.addService. */
  handlers(): grpc.UntypedServiceImplementation {
    const check: grpc.handleUnaryCall<{ service: string }, { status: ServingStatus }> = (call, callback) => {
      const status = this.statuses.get(call.request.service);
      if (status === undefined) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service '${call.request.service}'`, name: 'Error', message: 'unknown service', metadata: new grpc.Metadata() });
      } else {
        callback(null, { status });
      }
    };
    const watch: grpc.handleServerStreamingCall<{ service: string }, { status: WatchedStatus }> = (call) => {
      const service = call.request.service;
      call.write({ status: this.statuses.get(service) ?? 'SERVICE_UNKNOWN' });
      if (this.closed) { call.end(); return; }
      const entry = { service, call };
      this.watches.add(entry);
      call.on('cancelled', () => this.watches.delete(entry));
      call.on('error', () => this.watches.delete(entry));
    };
    return { Check: check, Watch: watch };
  }

  private set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const w of this.watches) if (w.service === service) w.call.write({ status });
  }
}
