/**
 * Prometheus metrics behind one module (prom-client): a registry per process with the process's
 * default metrics (CPU seconds, resident memory, heap, event-loop lag, under `tributary_process_…`
 * and `tributary_nodejs_…`), the metric kinds the driver and executors declare, and the HTTP
 * endpoint that serves them.
 *
 * Conventions (https://prometheus.io/docs/practices/naming/): every name starts with `tributary_`,
 * values are in base units (seconds, bytes), counters end in `_total`, durations are `_seconds`
 * histograms. Labels have bounded cardinality: query id and name, Kafka partition, a reason from a
 * fixed set, a task kind and outcome — never a batch id or an offset.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as prom from 'prom-client';

export type Counter<L extends string = string> = prom.Counter<L>;
export type Gauge<L extends string = string> = prom.Gauge<L>;
export type Histogram<L extends string = string> = prom.Histogram<L>;

/** Batch and step durations: 5 ms … 5 min. */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class MetricsRegistry {
  readonly registry = new prom.Registry();

  constructor(defaultLabels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(defaultLabels);
    prom.collectDefaultMetrics({ register: this.registry, prefix: 'tributary_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new prom.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** `collect`: called at each scrape to set the gauge's current value(s). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (g: Gauge<L>) => void): Gauge<L> {
    return new prom.Gauge({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect() { collect(this); } } : {}) });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets = DURATION_BUCKETS_SECONDS): Histogram<L> {
    return new prom.Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics (and 404 for anything else) on host:port; port 0 picks a free one. */
export async function startMetricsServer(metrics: MetricsRegistry, host: string, port: number): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err instanceof Error ? err.message : err}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
