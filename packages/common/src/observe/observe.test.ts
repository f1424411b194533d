import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, MetricsRegistry, parseLogLevel, startMetricsServer } from '.';

function sink(isTTY: boolean): Writable & { isTTY: boolean; lines: string[] } {
  const lines: string[] = [];
  const w = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  return Object.assign(w, { isTTY, lines });
}

describe('logger', () => {
  it('writes JSON lines with the component, level and the ids given as fields; WARN/ERROR/DEBUG prefixes set the level', async () => {
    const out = sink(false);
    const logger = createLogger({ component: 'driver', destination: out, level: 'info' });
    logger.log('batch 3 committed', { queryId: 'q', batchId: 3, attempt: 1 });
    logger.child({ executorId: 'exec-1' }).log('WARN task failed', { taskId: 2 });
    logger.log('DEBUG not shown at info');
    await new Promise((r) => setImmediate(r));
    const [a, b, ...rest] = out.lines.map((l) => JSON.parse(l));
    assert.equal(rest.length, 0);
    assert.deepEqual({ level: a.level, component: a.component, msg: a.msg, queryId: a.queryId, batchId: a.batchId, attempt: a.attempt }, { level: 'info', component: 'driver', msg: 'batch 3 committed', queryId: 'q', batchId: 3, attempt: 1 });
    assert.ok(!Number.isNaN(Date.parse(a.time)));
    assert.deepEqual({ level: b.level, msg: b.msg, executorId: b.executorId, taskId: b.taskId }, { level: 'warn', msg: 'WARN task failed', executorId: 'exec-1', taskId: 2 });
  });

  it('prints readable lines on a terminal', async () => {
    const out = sink(true);
    createLogger({ component: 'exec-0', destination: out }).log('reduce task succeeded', { batchId: 7 });
    await new Promise((r) => setImmediate(r));
    assert.match(out.lines[0], /^\d\d:\d\d:\d\d\.\d{3} INFO  \[exec-0\] reduce task succeeded  batchId=7$/);
  });

  it('takes only known levels', () => {
    assert.equal(parseLogLevel('debug'), 'debug');
    assert.equal(parseLogLevel(undefined), 'info');
    assert.throws(() => parseLogLevel('verbose'), /--log-level must be one of/);
  });
});

describe('metrics endpoint', () => {
  it('serves the registry in the Prometheus text format at /metrics, and nothing elsewhere', async () => {
    const metrics = new MetricsRegistry();
    metrics.counter('tributary_test_rows_total', 'Rows.', ['query_id']).inc({ query_id: 'q' }, 5);
    const server = await startMetricsServer(metrics, '127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^# TYPE tributary_test_rows_total counter$/m);
      assert.match(text, /^tributary_test_rows_total\{query_id="q"\} 5$/m);
      assert.match(text, /^tributary_process_resident_memory_bytes \d+/m);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/other`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
