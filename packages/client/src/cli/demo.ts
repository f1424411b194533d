/**
 * `tributary demo` (npm run demo): the seed job end to end on a local cluster it starts itself —
 * a Kafka broker and a Redis of its own (deploy/), a driver with its dashboard and 3 executor
 * processes — then produces sample events, runs examples/seed-job.js to completion (availableNow)
 * and shows the Delta table. Everything lives under .tributary/demo and is stopped at the end.
 *
 * With --keep the job runs with a 1-second processing-time trigger instead, and once the sample
 * events are in the table the demo keeps producing events stamped with the current time at a steady
 * rate (--rate, default 2,000 a second) so that the dashboard's charts move, until Ctrl-C; then
 * it stops the query and everything it started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TributarySession } from '../api';
import { LocalCluster } from '../local/cluster';
import { REPO_ROOT, freePort, startKafka, startRedis, stopKafka, stopRedis } from '../local/deploy';
import { EventBatch, EventGenerator, inOrderChunks } from '../produce/event-generator';
import { produceEvents } from '../produce/produce';
import { progressBar } from './progress-bar';
import { DriverClient } from '../rpc/driver-client';
import { GrpcSubmitter } from '../rpc/grpc-submitter';
import { processStorage } from '@tributary/common';
import { showTable } from './table';
import { ParsedArgs, intOption } from './main';

const MINUTE = 60_000_000;

function checkPrerequisites(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Node.js 20 or newer is required (this is ${process.version})`);
}

export async function runDemoCommand(args: ParsedArgs): Promise<number> {
  checkPrerequisites();
  const events = intOption(args, 'events', 200_000);
  const keep = !!args.values.keep;
  const rate = intOption(args, 'rate', 2_000);
  const base = path.join(REPO_ROOT, '.tributary', 'demo');
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(base, { recursive: true });
  const kafkaDir = path.join(base, 'kafka');
  const redisDir = path.join(base, 'redis');
  const kafkaPort = await freePort(true);
  const redisPort = await freePort();
  const bootstrap = `127.0.0.1:${kafkaPort}`;
  let cluster: LocalCluster | undefined;
  const step = (m: string) => console.log(`\n▶ ${m}`);
  try {
    step(`starting Kafka (127.0.0.1:${kafkaPort}, jars from Maven Central on first run) and Redis (127.0.0.1:${redisPort})`);
    await Promise.all([startKafka(kafkaDir, kafkaPort), startRedis(redisDir, redisPort)]);

    step('starting a driver and 3 executor processes');
    cluster = await LocalCluster.start({ dir: path.join(base, 'cluster'), redis: { host: '127.0.0.1', port: redisPort }, executors: 3, dashboardPort: await freePort() });
    console.log(`driver at ${cluster.driverAddress}; logs in ${path.relative(process.cwd(), path.join(base, 'cluster', 'logs'))}`);
    console.log(`dashboard: ${cluster.dashboardUrl}  (open it in a browser)`);

    step(`producing ${events.toLocaleString('en')} customer events to topic customer_events (8 partitions)`);
    const generator = new EventGenerator({ seed: 15, customers: 5000, eventsPerSecond: 50, outOfOrderShare: 0.1, maxDisorderMicros: 2 * MINUTE });
    const produced = await produceEvents(bootstrap, 'customer_events', 8, inOrderChunks(generator, events, 20_000));
    const closing = generator.phaseCloseAll(3);
    await produceEvents(bootstrap, 'customer_events', 8, closing);
    console.log(`produced in ${(produced.durationMs / 1000).toFixed(1)} s`);

    step(`running the seed job (examples/seed-job.js) with trigger ${keep ? "'1 second'" : 'availableNow'}`);
    const client = new DriverClient(cluster.driverAddress);
    const spark = TributarySession.builder().appName('Streaming CDC').submitter(new GrpcSubmitter(client)).getOrCreate();
    const seedJob = require(path.join(REPO_ROOT, 'examples', 'seed-job.js'));
    const table = path.join(base, 'delta', 'customer_aggregates');
    const started = Date.now();
    const query = await seedJob(spark, {
      bootstrap, topic: 'customer_events', table, checkpoint: path.join(base, 'checkpoints', 'customers'), trigger: keep ? '1 second' : 'availableNow',
      maxOffsetsPerTrigger: 50_000,
    });
    // With a processing-time trigger the query never ends: wait for the batch whose watermark
    // closes every sample window (the last events produced move it there).
    // The backlog as a progress bar (on a terminal only): rows the query has read of those produced.
    const backlog = progressBar('backlog', events + closing.count);
    const polling = setInterval(() => {
      query.recentProgress().then((ps: any[]) => backlog.update(ps.reduce((a: number, p: any) => a + p.numInputRows, 0)), () => undefined);
    }, 250);
    try {
      if (keep) await untilWatermark(query, generator.watermarkMicros);
      else await query.awaitTermination();
    } finally {
      clearInterval(polling);
      backlog.finish();
    }
    const progress = await query.recentProgress();
    const rows = progress.reduce((a: number, p: any) => a + p.numInputRows, 0);
    const seconds = (Date.now() - started) / 1000;
    console.log(`query ${query.id}: ${progress.length} batches, ${rows.toLocaleString('en')} input rows in ${seconds.toFixed(1)} s`);
    const last = progress[progress.length - 1];
    if (last) console.log(`last batch: watermark ${last.eventTime.watermark}, state rows ${last.stateOperators[0]?.numRowsTotal}, late rows dropped ${progress.reduce((a: number, p: any) => a + p.lateRows.total, 0)}`);
    if (!keep) client.close();

    step('the Delta table');
    await showTable(processStorage(), table, 15);
    console.log(`\nThe table is at ${path.relative(process.cwd(), table)}; any Delta reader can open it.`);
    if (keep) {
      step(`producing ${rate.toLocaleString('en')} events a second stamped with the current time; the dashboard is at ${cluster.dashboardUrl} — Ctrl-C stops the demo`);
      const live = new EventGenerator({ seed: 16, customers: 5000, startMicros: Date.now() * 1000, eventsPerSecond: rate, firstEventId: events + 3 });
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const produced = await produceEvents(bootstrap, 'customer_events', 8, steadyChunks(live, rate, stop.signal), rate).catch((err) => {
        if (!stop.signal.aborted) throw err;
        return { sent: 0, durationMs: 0 };
      });
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      console.log(`\nproduced ${produced.sent.toLocaleString('en')} live events; stopping query ${query.id}`);
      // Ctrl-C in a terminal reaches the driver too, which then stops the query itself.
      await query.stop().catch((err: Error) => console.log(`the driver is already stopping (${err.message})`));
      client.close();
    }
    return 0;
  } finally {
    step('stopping the cluster, Kafka and Redis');
    await cluster?.stop();
    await Promise.all([stopKafka(kafkaDir), stopRedis(redisDir)]);
  }
}

/** Waits until a batch of the query has run with a watermark at or past `watermarkMicros`. */
async function untilWatermark(query: { lastProgress(): Promise<any>; isActive(): Promise<boolean> }, watermarkMicros: number): Promise<void> {
  const targetMs = Math.floor(watermarkMicros / 1000);
  for (;;) {
    const wm = (await query.lastProgress())?.eventTime?.watermark;
    if (wm !== undefined && Date.parse(wm) >= targetMs) return;
    if (!(await query.isActive())) throw new Error('the seed job stopped before reading the sample events');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Chunks of in-order events, a tenth of a second's worth each, until `signal` aborts. */
async function* steadyChunks(gen: EventGenerator, rate: number, signal: AbortSignal): AsyncGenerator<EventBatch> {
  const chunk = Math.max(1, Math.ceil(rate / 10));
  while (!signal.aborted) {
    yield gen.phaseInOrder(chunk);
    await new Promise((r) => setImmediate(r));
  }
}
