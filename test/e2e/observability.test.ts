/**
 * The operator's view on a real cluster (real Kafka, Redis, driver and executor processes):
 *   - /metrics of the driver and of an executor, parsed with a Prometheus text-format parser,
 *     agree with the query's progress reports (input rows, batches, lag per partition);
 *   - the log lines of one batch are found by its batch id in the driver's and an executor's JSON logs;
 *   - listener events (spark.streams.addListener) arrive for the start and every batch;
 *   - a restarted driver shows the old progress at once (`tributary progress`, GetQuery);
 *   - `tributary progress --follow` prints a batch as it commits;
 *   - Kafka's own ConsumerGroupCommand shows for the query's group a lag equal to the topic's end
 *     offsets minus what the query committed.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { connectKafkaAdmin, type QueryProgress } from '@tributary/common';
import { DriverClient, EventGenerator, GrpcSubmitter, REPO_ROOT, TributarySession, produceEvents } from '@tributary/client';
import { clusterPerTest } from '../support/cluster-fixture';
import { testKafka } from '../support/infra';
import { startSeedJob, waitUntil } from '../support/seed-run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus: (text: string) => PromFamily[] = require('parse-prometheus-text-format');

interface PromFamily { name: string; type: string; metrics: { value?: string; count?: string; sum?: string; labels?: Record<string, string> }[] }

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'packages', 'client', 'bin', 'tributary.js');
const PARTITIONS = 4;

/** The parsed families (the parser throws on a line that is not valid text format), and the text. */
async function scrape(port: number): Promise<PromFamily[] & { text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  const text = await res.text();
  return Object.assign(parsePrometheus(text), { text });
}

/**
 * `_count` and `_sum` of one labelled histogram series. parse-prometheus-text-format folds a
 * histogram's series into one unlabelled sample, so these two lines are read here: name{labels} value.
 */
function histogram(text: string, name: string, labels: Record<string, string>): { count: number; sum: number } {
  const read = (suffix: string): number => {
    const hits = text.split('\n').filter((l) => l.startsWith(`${name}_${suffix}{`)).filter((l) => {
      const inner = l.slice(l.indexOf('{') + 1, l.lastIndexOf('}'));
      const got = Object.fromEntries([...inner.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return Object.entries(labels).every(([k, v]) => got[k] === v);
    });
    assert.equal(hits.length, 1, `one ${name}_${suffix} series for ${JSON.stringify(labels)}`);
    return Number(hits[0].slice(hits[0].lastIndexOf(' ') + 1));
  };
  return { count: read('count'), sum: read('sum') };
}

function samples(families: PromFamily[], name: string, labels: Record<string, string> = {}): PromFamily['metrics'] {
  const f = families.find((m) => m.name === name);
  assert.ok(f, `metric ${name} is exported`);
  return f.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const s = samples(families, name, labels);
  assert.equal(s.length, 1, `one sample of ${name} ${JSON.stringify(labels)}: ${JSON.stringify(s)}`);
  return Number(s[0].value);
}

function jsonLines(text: string): Record<string, any>[] {
  return text.split('\n').flatMap((l) => { try { const o = JSON.parse(l); return o && typeof o === 'object' ? [o] : []; } catch { return []; } });
}

describe('observability: metrics, logs, listeners, history and the Kafka lag group', function () {
  this.timeout(15 * 60_000);
  const fixture = clusterPerTest('tributary-observe-', 2);

  it('shows a running query in /metrics, JSON logs, listener events, status after a restart and Kafka\'s consumer-group tool', async () => {
    const { cluster, dir } = fixture;
    const bootstrap = testKafka();
    const topic = `customer_events_observe_${Date.now()}`;
    const gen = new EventGenerator({ seed: 11, customers: 200, eventsPerSecond: 20, outOfOrderShare: 0.1, maxDisorderMicros: 60_000_000 });
    const first = 12_000;
    await produceEvents(bootstrap, topic, PARTITIONS, gen.phaseInOrder(first));

    // A listener on a session of the same driver, subscribed before the query starts.
    const events: { kind: string; batchId?: number; id?: string }[] = [];
    const spark = TributarySession.builder().submitter(new GrpcSubmitter(new DriverClient(cluster.driverAddress))).getOrCreate();
    const listener = {
      onQueryStarted: (e: { id: string }) => events.push({ kind: 'started', id: e.id }),
      onQueryProgress: (e: { progress: QueryProgress }) => events.push({ kind: 'progress', id: e.progress.id, batchId: e.progress.batchId }),
      onQueryTerminated: (e: { id: string }) => events.push({ kind: 'terminated', id: e.id }),
    };
    spark.streams.addListener(listener);
    await new Promise((r) => setTimeout(r, 500)); // the stream is open before the query starts

    const started = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic, table: path.join(dir, 'delta', 'customers'), checkpoint: path.join(dir, 'checkpoints', 'customers'), maxOffsetsPerTrigger: 2_000, trigger: '200 milliseconds',
    });
    const client = fixture.track(started.client);
    const query = started.query;
    const all = async (): Promise<QueryProgress[]> => (await client.get(query.id, 100)).progress;
    const rowsIn = (ps: QueryProgress[]) => ps.reduce((a, p) => a + p.numInputRows, 0);
    await waitUntil(query, async () => rowsIn(await all()) >= first, 180_000, async () => JSON.stringify((await all()).map((p) => [p.batchId, p.numInputRows])));
    await new Promise((r) => setTimeout(r, 1_000)); // metrics and events of the last batch are out
    const progress = await all();
    assert.equal(rowsIn(progress), first, 'every produced record was read once');
    const last = progress[progress.length - 1];

    // ---- /metrics of the driver agree with the progress reports
    const q = { query_id: query.id };
    const driverMetrics = await scrape(cluster.metricsPorts.get('driver')!);
    assert.equal(value(driverMetrics, 'tributary_input_rows_total', q), rowsIn(progress));
    assert.equal(value(driverMetrics, 'tributary_output_rows_total', q), progress.reduce((a, p) => a + p.sink.numOutputRows, 0));
    assert.equal(value(driverMetrics, 'tributary_batches_total', q), progress.length);
    assert.equal(value(driverMetrics, 'tributary_last_committed_batch', q), last.batchId);
    const batchSeconds = histogram(driverMetrics.text, 'tributary_batch_duration_seconds', q);
    assert.equal(batchSeconds.count, progress.length);
    assert.ok(Math.abs(batchSeconds.sum - progress.reduce((a, p) => a + (p.batchDuration ?? 0), 0) / 1000) < 1e-6, 'batch seconds = the sum of the reports\' batchDuration');
    const addBatch = histogram(driverMetrics.text, 'tributary_batch_step_duration_seconds', { ...q, step: 'addBatch' });
    assert.equal(addBatch.count, progress.length);
    assert.ok(Math.abs(addBatch.sum - progress.reduce((a, p) => a + p.durationMs.addBatch, 0) / 1000) < 1e-6, 'addBatch seconds = the sum of the reports\' addBatch');
    for (let p = 0; p < PARTITIONS; p++) {
      const labels = { ...q, topic, partition: String(p) };
      const committed = BigInt(last.sources[0].endOffset![topic][String(p)]);
      const end = BigInt(last.sources[0].latestOffset![topic][String(p)]);
      assert.equal(value(driverMetrics, 'tributary_kafka_committed_offset', labels), Number(committed));
      assert.equal(value(driverMetrics, 'tributary_kafka_end_offset', labels), Number(end));
      assert.equal(value(driverMetrics, 'tributary_kafka_lag_records', labels), Number(end - committed));
    }
    assert.equal(value(driverMetrics, 'tributary_watermark_seconds', q), Date.parse(last.eventTime.watermark!) / 1000);
    assert.equal(value(driverMetrics, 'tributary_state_rows', { ...q, operator: last.stateOperators[0].operatorName }), last.stateOperators[0].numRowsTotal);
    assert.equal(value(driverMetrics, 'tributary_executors'), 2);
    assert.equal(value(driverMetrics, 'tributary_executor_losses_total'), 0);
    assert.ok(value(driverMetrics, 'tributary_process_resident_memory_bytes') > 0);

    // ---- /metrics of the executors: their map tasks read every record (each once, when no attempt failed)
    let taskRows = 0, failedTasks = 0;
    for (const name of cluster.executors.keys()) {
      const m = await scrape(cluster.metricsPorts.get(name)!);
      taskRows += samples(m, 'tributary_task_input_rows_total', q).reduce((a, s) => a + Number(s.value), 0);
      failedTasks += samples(m, 'tributary_tasks_total', { ...q, outcome: 'failed' }).reduce((a, s) => a + Number(s.value), 0);
      assert.ok(samples(m, 'tributary_tasks_total', { ...q, kind: 'aggregate_map', outcome: 'succeeded' }).length === 1, `${name} ran map tasks`);
      assert.ok(value(m, 'tributary_process_cpu_seconds_total') > 0);
      assert.ok(samples(m, 'tributary_shuffle_sent_bytes_total').reduce((a, s) => a + Number(s.value), 0) > 0);
    }
    if (failedTasks === 0) assert.equal(taskRows, rowsIn(progress)); else assert.ok(taskRows >= rowsIn(progress));

    // ---- the log lines of one batch, by its batch id, in the driver's and the executors' JSON logs
    const batch = progress[1].batchId;
    const driverLines = jsonLines(cluster.logOf('driver')).filter((l) => l.batchId === batch && l.queryId === query.id);
    assert.ok(driverLines.some((l) => /committed/.test(l.msg) && l.component === 'driver'), JSON.stringify(driverLines));
    const executorLines = [...cluster.executors.keys()].flatMap((n) => jsonLines(cluster.logOf(n))).filter((l) => l.batchId === batch && l.queryId === query.id);
    assert.ok(executorLines.some((l) => l.component === 'executor' && l.executorId && l.attempt >= 1 && /task succeeded/.test(l.msg)), JSON.stringify(executorLines.slice(0, 5)));

    // ---- listener events: the start, then every batch in order
    assert.deepEqual(events.filter((e) => e.id === query.id && e.kind === 'started').length, 1);
    assert.deepEqual(events.filter((e) => e.id === query.id && e.kind === 'progress').map((e) => e.batchId), progress.map((p) => p.batchId));

    // ---- a restarted driver shows the old progress at once
    cluster.kill('driver');
    await cluster.driver.exited;
    await cluster.restartDriver();
    let restarted: QueryProgress[] = [];
    const t0 = Date.now();
    for (;;) { // the driver resumes the query from its saved spec within moments
      try { restarted = await all(); break; } catch (err) { if (Date.now() - t0 > 30_000) throw err; await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.deepEqual(restarted.slice(0, progress.length).map((p) => p.batchId), progress.map((p) => p.batchId), 'the history of the earlier run');
    const cli = await run(process.execPath, [BIN, 'progress', query.id, '--json', '--recent', '100', '--driver', cluster.driverAddress]);
    const cliBatches = cli.stdout.trim().split('\n').map((l) => JSON.parse(l).batchId);
    assert.ok(progress.every((p) => cliBatches.includes(p.batchId)), cli.stdout);

    // ---- `tributary progress --follow` prints a batch as it commits
    const follow = spawn(process.execPath, [BIN, 'progress', query.id, '--follow', '--json', '--recent', '0', '--driver', cluster.driverAddress]);
    let followed = '';
    follow.stdout.on('data', (d) => { followed += d; });
    await new Promise((r) => setTimeout(r, 1_000));
    const second = 500;
    await produceEvents(bootstrap, topic, PARTITIONS, gen.phaseInOrder(second));
    await waitUntil(query, async () => jsonLines(followed).reduce((a, p) => a + p.numInputRows, 0) >= second, 60_000, () => followed);
    follow.kill('SIGINT');
    assert.equal(jsonLines(followed).reduce((a, p) => a + p.numInputRows, 0), second);

    // ---- Kafka's consumer-group tool: lag = end offsets − what the query committed
    await waitUntil(query, async () => rowsIn(await all()) >= first + second, 60_000, async () => JSON.stringify(await all()));
    await query.stop();
    const third = 700;
    await produceEvents(bootstrap, topic, PARTITIONS, gen.phaseInOrder(third));
    const committed = new Map(Object.entries((await all()).at(-1)!.sources[0].endOffset![topic]).map(([p, o]) => [Number(p), BigInt(o)]));
    const admin = await connectKafkaAdmin({ brokers: [bootstrap] });
    const ends = await admin.latestOffsets(topic, 'read_uncommitted');
    await admin.close();
    assert.equal([...ends.values()].reduce((a, b) => a + b, 0n), BigInt(first + second + third));
    await run('bash', [path.join(REPO_ROOT, 'deploy', 'kafka', 'fetch-tools.sh')]);
    const group = `tributary-${query.id}`;
    const describe = await run('java', ['-cp', path.join(REPO_ROOT, 'deploy', 'kafka', 'tools', 'jars', '*'), 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      '--bootstrap-server', bootstrap, '--describe', '--group', group]);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    const rows = describe.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => c[0] === group && c[1] === topic);
    assert.equal(rows.length, PARTITIONS, describe.stdout);
    let totalLag = 0n;
    for (const [, , partition, current, logEnd, lag] of rows) {
      const p = Number(partition);
      assert.equal(BigInt(current), committed.get(p), `partition ${p}: current offset = the query's committed end offset`);
      assert.equal(BigInt(logEnd), ends.get(p), `partition ${p}: log-end offset = the topic's end offset`);
      assert.equal(BigInt(lag), ends.get(p)! - committed.get(p)!, `partition ${p}: lag = end − committed`);
      totalLag += BigInt(lag);
    }
    assert.equal(totalLag, BigInt(third), 'the records produced after the query stopped');
    spark.streams.removeListener(listener);
  });
});
