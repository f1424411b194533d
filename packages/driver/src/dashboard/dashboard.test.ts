import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import * as https from 'node:https';
import { makeTestCertificates, type QueryProgress } from '@tributary/common';
import { ExecutorRegistry } from '../scheduler/executor-registry';
import { ExecutorRoster } from './executor-roster';
import { startDashboardServer } from './http-server';
import { batchPoints, partitionLag, QueryView, SnapshotGatherer } from './snapshot';

function report(batchId: number, at: string, rows: number, latest: Record<string, string>, end: Record<string, string>, extra: Partial<QueryProgress> = {}): QueryProgress {
  return {
    id: 'q', runId: 'r', name: null, timestamp: at, batchId, numInputRows: rows, inputRowsPerSecond: rows, processedRowsPerSecond: rows / 2,
    durationMs: { latestOffset: 1, walCommit: 2, addBatch: 30, sinkCommit: 4, commitOffsets: 5, triggerExecution: 45, fetch: 9 },
    eventTime: { watermark: '2026-01-01T00:00:00.000Z', max: '2026-01-01T00:10:30.000Z' },
    stateOperators: [{ operatorName: 'stateStoreSave', numRowsTotal: 70, numRowsUpdated: 1, numRowsDroppedByWatermark: 0, memoryUsedBytes: 1000 }],
    sources: [{ description: 'k', startOffset: null, endOffset: { t: end }, latestOffset: { t: latest }, numInputRows: rows, inputRowsPerSecond: rows, processedRowsPerSecond: rows }],
    sink: { description: 's', numOutputRows: 0 },
    badRecords: { total: 3, byReason: { MALFORMED_JSON: 2, NULL_EVENT_TIME: 1 }, quarantined: 3 },
    lateRows: { total: 4, action: 'drop' },
    ...extra,
  };
}

describe('dashboard snapshot', () => {
  it('rates: input from the growth of the latest offsets between plans, processing from the report', () => {
    const points = batchPoints([
      report(0, '2026-12-06T00:00:00.000Z', 100, { 0: '100', 1: '50' }, { 0: '60', 1: '40' }),
      report(1, '2026-12-06T00:00:02.000Z', 200, { 0: '1100', 1: '1050' }, { 0: '1100', 1: '1000' }),
    ]);
    // first batch: no earlier plan, the report's own rate
    assert.equal(points[0].inputRate, 100);
    // (1100 + 1050) − (100 + 50) = 2000 records in 2 s
    assert.equal(points[1].inputRate, 1000);
    assert.equal(points[1].processingRate, 100);
    assert.deepEqual(points[1].steps, { total: 45, latestOffset: 1, walCommit: 2, addBatch: 30, sinkCommit: 4, commitOffsets: 5 });
    assert.equal(points[1].eventTimeGapMs, 630_000);
    assert.equal(points[1].wallGapMs, Date.parse('2026-12-06T00:00:02.000Z') - Date.parse('2026-01-01T00:00:00.000Z'));
    assert.equal(points[1].stateRows, 70);
    assert.equal(points[1].stateMemoryBytes, 1000);
  });

  it('has no watermark gap before the first event (watermark at the epoch)', () => {
    const [p] = batchPoints([report(0, '2026-12-06T00:00:00.000Z', 0, {}, {}, { eventTime: { watermark: '1970-01-01T00:00:00.000Z' } })]);
    assert.equal(p.eventTimeGapMs, null);
    assert.equal(p.wallGapMs, null);
  });

  it('lag per partition: latest offset minus the end offset of the newest report', () => {
    const lag = partitionLag(report(3, '2026-12-06T00:00:00.000Z', 1, { 1: '500', 0: '90' }, { 1: '450', 0: '90' }));
    assert.deepEqual(lag, [
      { topic: 't', partition: 0, latestOffset: '90', endOffset: '90', lag: 0 },
      { topic: 't', partition: 1, latestOffset: '500', endOffset: '450', lag: 50 },
    ]);
    assert.deepEqual(partitionLag(undefined), []);
  });
});

describe('dashboard executor roster', () => {
  let now = 10_000;
  let registry: ExecutorRegistry;
  beforeEach(() => { now = 10_000; registry = new ExecutorRegistry({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1_000, now: () => now }); });
  afterEach(() => registry.close());

  it('lists live executors with their heartbeat load, keeps lost ones as lost until the id registers again', () => {
    const roster = new ExecutorRoster(registry, () => now);
    const token = registry.register('exec-1', '127.0.0.1:5001', 11);
    registry.register('exec-2', '127.0.0.1:5002', 12);
    now += 300;
    assert.equal(registry.heartbeat('exec-1', token, 123, { cpuPercent: 55.5, tasksRunning: 2, tasksCompleted: 9 }), true);
    now += 200;
    registry.markLost('exec-2');
    now += 700;
    const rows = roster.rows();
    assert.deepEqual(rows.map((r) => [r.id, r.state, r.heartbeatAgeMs]), [['exec-1', 'live', 900], ['exec-2', 'lost', 500]]);
    assert.deepEqual([rows[0].rssBytes, rows[0].cpuPercent, rows[0].tasksRunning, rows[0].tasksCompleted], [123, 55.5, 2, 9]);
    assert.equal(rows[1].lostAtMs, 10_500);
    registry.register('exec-2', '127.0.0.1:5003', 13);
    assert.deepEqual(roster.rows().map((r) => [r.id, r.state, r.address]), [['exec-1', 'live', '127.0.0.1:5001'], ['exec-2', 'live', '127.0.0.1:5003']]);
    roster.close();
  });
});

describe('dashboard snapshot of a query with a Kafka or webhook sink', () => {
  it('says where the rows go instead of reading its stage directory as a table', async () => {
    const registry = new ExecutorRegistry();
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-dashboard-stage-'));
    try {
      fs.writeFileSync(path.join(stage, 'part-0.parquet'), 'staged rows, not a Delta table');
      const published: QueryView = {
        info: { id: 'q-2', run_id: 'r', name: 'alerts', state: 'ACTIVE', message: '', error: '', last_committed_batch: 0, checkpoint_location: '/c' },
        progress: [report(0, '2026-12-06T00:00:00.000Z', 10, { 0: '10' }, { 0: '10' })],
        tablePath: stage,
        quarantineTablePath: null,
        publishedTo: 'Kafka (topic alerts, brokers k:9092)',
      };
      const asDelta: QueryView = { ...published, info: { ...published.info, id: 'q-3' }, publishedTo: null };
      const roster = new ExecutorRoster(registry);
      const snap = await new SnapshotGatherer({ views: () => [published, asDelta] }, roster).gather();
      roster.close();
      assert.equal(snap.queries[0].publishedTo, 'Kafka (topic alerts, brokers k:9092)');
      assert.equal(snap.queries[0].tableError, null);
      assert.equal(snap.queries[0].results, null);
      assert.deepEqual(snap.queries[0].commits, []);
      // the same directory read as a Delta table is an error: the sink's kind is what spares it
      assert.match(String(snap.queries[1].tableError), /not a Delta table/);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
      registry.close();
    }
  });
});

describe('dashboard HTTP server', () => {
  const view: QueryView = {
    info: { id: 'q-1', run_id: 'r', name: '<b>orders</b>', state: 'ACTIVE', message: '', error: '', last_committed_batch: 0, checkpoint_location: '/c' },
    progress: [report(0, '2026-12-06T00:00:00.000Z', 10, { 0: '10' }, { 0: '10' })],
    tablePath: '/nonexistent/tributary-dashboard-test-table',
    quarantineTablePath: null,
    publishedTo: null,
  };
  let registry: ExecutorRegistry;
  beforeEach(() => { registry = new ExecutorRegistry(); });
  afterEach(() => registry.close());

  function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      http.request(url, { method }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body, headers: res.headers }));
      }).on('error', reject).end();
    });
  }

  it('serves the page, uPlot, the snapshot and an event stream; refuses other methods and unknown paths', async () => {
    const roster = new ExecutorRoster(registry);
    const server = await startDashboardServer({ host: '127.0.0.1', port: 0, gatherer: new SnapshotGatherer({ views: () => [view] }, roster), log: () => {} });
    try {
      const page = await get(server.url);
      assert.equal(page.status, 200);
      assert.match(page.type, /text\/html/);
      assert.match(page.body, /<script src="\/app.js"><\/script>/);
      assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
      for (const p of ['app.js', 'style.css', 'vendor/uPlot.js', 'vendor/uPlot.css']) assert.equal((await get(server.url + p)).status, 200, p);
      assert.match((await get(server.url + 'vendor/uPlot.js')).body, /uPlot/);
      assert.equal((await get(server.url + 'nope')).status, 404);
      assert.equal((await get(server.url, 'POST')).status, 405);

      const snap = JSON.parse((await get(server.url + 'api/snapshot')).body);
      assert.equal(snap.queries[0].id, 'q-1');
      assert.equal(snap.queries[0].name, '<b>orders</b>');
      assert.equal(snap.queries[0].batches[0].numInputRows, 10);
      assert.deepEqual(snap.queries[0].totals, { late: 4, bad: 3, quarantined: 3, badByReason: { MALFORMED_JSON: 2, NULL_EVENT_TIME: 1 } });
      // the table does not exist: the panels say why instead of failing the snapshot
      assert.match(snap.queries[0].tableError, /not a Delta table/);

      const first = await new Promise<string>((resolve, reject) => {
        http.get(server.url + 'events', (res) => {
          assert.equal(res.headers['content-type'], 'text/event-stream');
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            buf += c;
            const m = /event: snapshot\ndata: (.*)\n\n/.exec(buf);
            if (m) { res.destroy(); resolve(m[1]); }
          });
        }).on('error', reject);
      });
      assert.equal(JSON.parse(first).queries[0].id, 'q-1');
    } finally {
      await server.close();
      roster.close();
    }
  });

  it('asks `authorize` before any route', async () => {
    const roster = new ExecutorRoster(registry);
    const server = await startDashboardServer({
      host: '127.0.0.1', port: 0, gatherer: new SnapshotGatherer({ views: () => [view] }, roster), log: () => {},
      authorize: (req) => req.headers.authorization === 'Bearer s3cret',
    });
    try {
      for (const p of ['', 'app.js', 'api/snapshot', 'events', 'nope']) assert.equal((await get(server.url + p)).status, 401, p);
    } finally {
      await server.close();
      roster.close();
    }
  });

  /** A request with headers; no redirect is followed. */
  function fetchRaw(url: string, headers: Record<string, string> = {}, ca?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const mod = url.startsWith('https:') ? https : http;
    return new Promise((resolve, reject) => {
      mod.request(url, { headers, ...(ca ? { ca } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      }).on('error', reject).end();
    });
  }

  it('with the driver\'s token: refuses requests without it, takes it as a bearer header or as the cookie its login link sets', async () => {
    const roster = new ExecutorRoster(registry);
    const token = 'a-token-of-the-driver-0123456789';
    const server = await startDashboardServer({ host: '127.0.0.1', port: 0, gatherer: new SnapshotGatherer({ views: () => [view] }, roster), log: () => {}, token });
    try {
      for (const p of ['', 'app.js', 'api/snapshot', 'events']) assert.equal((await fetchRaw(server.url + p)).status, 401, `${p} without the token`);
      assert.equal((await fetchRaw(server.url + 'api/snapshot', { authorization: 'Bearer wrong-token-0123456789' })).status, 401);
      assert.equal((await fetchRaw(server.url + 'api/snapshot', { authorization: `Bearer ${token}` })).status, 200);
      assert.equal((await fetchRaw(server.url + '?token=wrong-token-0123456789')).status, 401, 'a login link with a wrong token');
      const login = await fetchRaw(`${server.url}?token=${encodeURIComponent(token)}`);
      assert.equal(login.status, 303);
      assert.equal(login.headers.location, '/', 'the token leaves the address');
      const cookie = String(login.headers['set-cookie']);
      assert.match(cookie, /^tributary_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
      assert.doesNotMatch(cookie, /Secure/, 'not Secure over plain HTTP');
      const pair = cookie.split(';')[0];
      assert.equal((await fetchRaw(server.url + 'api/snapshot', { cookie: pair })).status, 200);
      assert.equal((await fetchRaw(server.url + 'api/snapshot', { cookie: 'tributary_token=nope' })).status, 401);
    } finally {
      await server.close();
      roster.close();
    }
  });

  it('with the driver\'s certificate: serves HTTPS only, its login cookie marked Secure', async () => {
    const certs = makeTestCertificates();
    const roster = new ExecutorRoster(registry);
    const token = 'a-token-of-the-driver-0123456789';
    const server = await startDashboardServer({
      host: '127.0.0.1', port: 0, gatherer: new SnapshotGatherer({ views: () => [view] }, roster), log: () => {}, token,
      tls: { cert: fs.readFileSync(certs.server.cert), key: fs.readFileSync(certs.server.key) },
    });
    try {
      assert.match(server.url, /^https:\/\//);
      const ca = fs.readFileSync(certs.ca.cert);
      const page = await fetchRaw(server.url, { authorization: `Bearer ${token}` }, ca);
      assert.equal(page.status, 200);
      assert.match(page.body, /<script src="\/app.js"><\/script>/);
      const login = await fetchRaw(`${server.url}?token=${token}`, {}, ca);
      assert.match(String(login.headers['set-cookie']), /; Secure$/);
      await assert.rejects(fetchRaw(server.url.replace('https:', 'http:'), { authorization: `Bearer ${token}` }), 'no plain HTTP on the port');
    } finally {
      await server.close();
      roster.close();
      certs.remove();
    }
  });
});
