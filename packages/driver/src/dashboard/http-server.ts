/**
 * The dashboard's HTTP server, on its own port (`tributary driver --dashboard-port P`). No build
 * step at run time: the page is static files shipped in the package (packages/driver/dashboard/)
 * and the chart library (uPlot) is served from node_modules. Routes (GET only):
 *
 *   /                      index.html
 *   /app.js, /style.css    the page's script and style
 *   /vendor/uPlot.js, /vendor/uPlot.css   uPlot's minified build
 *   /api/snapshot          the dashboard snapshot as JSON (snapshot.ts)
 *   /events                Server-Sent Events: `event: snapshot` with the snapshot as JSON, every
 *                          second and as soon as a query commits a batch (checked every 250 ms)
 *
 * Snapshots are gathered only while someone listens (an /events stream, or a /api/snapshot call),
 * one gathering at a time.
 *
 * Access control has one seam: `authorize` sees every request before any route; once the gRPC API
 * has its token (or mTLS), the same check goes there.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { DashboardSnapshot, SnapshotGatherer } from './snapshot';

const PAGE_DIR = path.join(__dirname, '..', '..', 'dashboard');
const UPLOT_DIR = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const PUSH_EVERY_MS = 1000;
const COMMIT_CHECK_MS = 250;

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(PAGE_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(PAGE_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: path.join(PAGE_DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.js': { file: path.join(UPLOT_DIR, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.css': { file: path.join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

// Scripts and styles from this origin only; uPlot sizes its elements through style attributes.
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** Decides whether a request may see the dashboard (the one place for a token check). */
export type Authorize = (req: http.IncomingMessage) => boolean;

export interface DashboardServerOptions {
  host: string;
  port: number;
  gatherer: SnapshotGatherer;
  authorize?: Authorize;
  log: (m: string) => void;
}

export interface DashboardServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const authorize = opts.authorize ?? (() => true);
  const streams = new Set<http.ServerResponse>();
  let gathering: Promise<DashboardSnapshot> | undefined;
  const gather = (): Promise<DashboardSnapshot> => {
    gathering ??= opts.gatherer.gather().finally(() => { gathering = undefined; });
    return gathering;
  };

  let lastMark = '';
  let lastPushMs = 0;
  const push = async (): Promise<void> => {
    lastPushMs = Date.now();
    lastMark = opts.gatherer.commitMark();
    let body: string;
    try {
      body = `event: snapshot\ndata: ${JSON.stringify(await gather())}\n\n`;
    } catch (err) {
      opts.log(`WARN dashboard snapshot failed: ${err instanceof Error ? err.message : err}`);
      return;
    }
    for (const res of streams) res.write(body);
  };
  const timer = setInterval(() => {
    if (streams.size === 0) return;
    if (Date.now() - lastPushMs >= PUSH_EVERY_MS || opts.gatherer.commitMark() !== lastMark) void push();
  }, COMMIT_CHECK_MS);
  timer.unref();

  const server = http.createServer((req, res) => {
    if (!authorize(req)) {
      res.writeHead(401, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('unauthorized\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD' }).end();
      return;
    }
    const route = new URL(req.url ?? '/', 'http://dashboard').pathname;
    const file = FILES[route];
    if (file) {
      fs.readFile(file.file, (err, data) => {
        if (err) res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(`cannot read ${route}\n`);
        else res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type }).end(req.method === 'HEAD' ? undefined : data);
      });
      return;
    }
    if (route === '/api/snapshot') {
      gather().then(
        (s) => res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json' }).end(JSON.stringify(s)),
        (err) => res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${err instanceof Error ? err.message : err}\n`),
      );
      return;
    }
    if (route === '/events') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      void push();
      return;
    }
    res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/`,
    async close() {
      clearInterval(timer);
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
