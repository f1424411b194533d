/**
 * Test support: an HTTP proxy in front of the S3 test server that makes chosen requests go wrong
 * the way they do against S3 in production, so S3Storage's handling of them runs against real
 * SDK parsing and a real store behind:
 * - `conflict`: answer 409 ConditionalRequestConflict (S3's answer when another conditional write
 *   on the key is in flight) without forwarding;
 * - `lose-response`: forward the request, let the store apply it, then reset the client's
 *   connection instead of relaying the answer (a response lost on the network).
 * Every other request is forwarded as it is. S3Mock does not check signatures, so the changed
 * Host header does not matter.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'forward' | 'conflict' | 'lose-response';

export interface ProxiedRequest {
  method: string;
  /** Path and query, e.g. `/bucket/key?x-id=PutObject`. */
  url: string;
  headers: http.IncomingHttpHeaders;
}

export class S3FaultProxy {
  /** Every request seen, with the fault applied to it, in arrival order. */
  readonly seen: Array<ProxiedRequest & { fault: Fault }> = [];

  private constructor(
    private readonly server: http.Server,
    readonly endpoint: string,
  ) {}

  /** Starts a proxy to `target` (`http://host:port`); `decide` picks each request's fault. */
  static async start(target: string, decide: (request: ProxiedRequest) => Fault): Promise<S3FaultProxy> {
    const upstream = new URL(target);
    let proxy: S3FaultProxy | undefined;
    const server = http.createServer((req, res) => {
      const request: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers };
      const fault = decide(request);
      proxy!.seen.push({ ...request, fault });
      if (fault === 'conflict') {
        req.resume();
        req.on('end', () => {
          res.writeHead(409, { 'Content-Type': 'application/xml' });
          res.end(
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ConditionalRequestConflict</Code>' +
              '<Message>A conflicting operation occurred. If using PutObject you can retry the request.</Message></Error>',
          );
        });
        return;
      }
      const forwarded = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          if (fault === 'lose-response') {
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => req.socket.destroy());
      req.pipe(forwarded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new S3FaultProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  /** Conditional PutObjects seen so far (those carrying If-None-Match). */
  conditionalPuts(): Array<ProxiedRequest & { fault: Fault }> {
    return this.seen.filter((r) => r.method === 'PUT' && r.headers['if-none-match'] !== undefined);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Whether a request is a conditional PutObject (`If-None-Match: *`). */
export const isConditionalPut = (r: ProxiedRequest): boolean => r.method === 'PUT' && r.headers['if-none-match'] === '*';
