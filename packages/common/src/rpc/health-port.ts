/**
 * The health port (`--health-port`): a second listener that serves only grpc.health.v1.Health, in
 * plain text, beside a process's main port. It exists for callers that cannot present a client
 * certificate or a token, such as Kubernetes `grpc:` probes (which speak plain text only); it
 * carries nothing but the statuses of health.ts, and refuses requests larger than a few KiB.
 */
import { HealthReporter } from './health';
import { RpcServer } from './server';

const MAX_HEALTH_REQUEST_BYTES = 4096;

export interface HealthPort {
  port: number;
  close(): Promise<void>;
}

export async function listenHealthPort(health: HealthReporter, host: string, port: number): Promise<HealthPort> {
  const server = new RpcServer({ maxReceiveBytes: MAX_HEALTH_REQUEST_BYTES }).addHealth(health);
  const bound = await server.listen(host, port);
  return { port: bound, close: () => server.close() };
}
