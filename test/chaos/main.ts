/**
 * `npm run chaos [-- --events N --faults N --seed S --short --keep]`: the seed job on a real
 * cluster (its own Kafka broker and Redis, a driver and 3 executor processes, a Delta table) while
 * faults are injected at random (seeded) moments, then the table is compared with the oracle over
 * what the topic really holds. The exit status depends on that verdict only, never on timings.
 *
 * A run: the in-order events are produced in one slice per fault (plus one); each fault strikes once
 * the engine has read a random share of the latest slice, so it lands mid-stream; the run waits for
 * the next committed batch before going on. Half-way, once a committed watermark allows it, late
 * events are produced; at the end, events that close every window. See docs/failure-recovery.md.
 *
 * A second seed query runs at the same time through the same faults, on its own topic (other data,
 * a fifth of the events, produced slice by slice with the first's), table and checkpoint, with
 * smaller batches: both tables are verified, so queries that share executors must not mix.
 *
 * A third query groups by a string key (string-key-job.ts: window, event_type, customer_id), so it
 * runs as a v2 query beside the two v1 seed queries: its own topic (a fifth of the events, late
 * events of its own once its committed watermark allows), table and checkpoint, through the same
 * faults; its table is verified against an independent calculation (string-key-oracle.ts).
 *
 * A fourth query is the string-key job in update mode, reading the string-key topic into its own
 * table: every batch merges the groups it changed (copy-on-write, one commit with its txn), so the
 * driver is killed in its merge commits too. Its table must equal the same calculation in update mode
 * (every group with its last value), and every version of it must hold each key once. The string-key
 * late events are produced once both string-key queries have committed a watermark past their windows.
 *
 * A fifth and sixth query are the CDC job (cdc-job.ts): a seeded source database (cdc-workload.ts)
 * plays inserts, full and compressed updates, deletes, key updates and truncates, rendered as
 * GoldenGate JSON with duplicates and a replay, produced slice by slice with the others to two topics
 * (3 partitions, and 1 for the history, whose truncates must arrive in order with the changes around
 * them); one query applies the first as SCD type 1, the other the second as SCD type 2. Their tables
 * must equal the model's final rows and its history (cdc-verify.ts), each batch in the log once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, LocalCluster, startKafka, startRedis, stopKafka, stopRedis, Xoshiro128, DriverClient } from '@tributary/client';
import { connectKafkaAdmin, processStorage } from '@tributary/common';
import { startSeedJob } from '../support/seed-run';
import { startCdcJob } from './cdc-job';
import { verifyCdc } from './cdc-verify';
import { CdcWorkload } from './cdc-workload';
import { CommitWatch } from './commit-watch';
import { ChaosServers, inject } from './faults';
import { FaultRecord, printChecks, printFaults } from './report';
import { faultName, MIN_FAULTS, planFaults } from './schedule';
import { startStringKeyJob } from './string-key-job';
import { Check, verify, verifyStringKey } from './verify';
import { WINDOW, Workload } from './workload';

/** Each kind and step once plus two rounds of extras (default), or one round (short). */
const DEFAULT_FAULTS = MIN_FAULTS + 22;
const SHORT_FAULTS = MIN_FAULTS + 11;

interface Options { events: number; faults: number; seed: number; short: boolean; keep: boolean }

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: {
    events: { type: 'string' }, faults: { type: 'string' }, seed: { type: 'string' }, short: { type: 'boolean' }, keep: { type: 'boolean' },
  } });
  const short = !!values.short;
  const int = (v: string | undefined, d: number, name: string, min: number) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${v}`);
    return n;
  };
  return {
    short,
    events: int(values.events, short ? 300_000 : 1_000_000, 'events', 10_000),
    faults: int(values.faults, short ? SHORT_FAULTS : DEFAULT_FAULTS, 'faults', MIN_FAULTS),
    seed: int(values.seed, 1, 'seed', 0),
    keep: !!values.keep,
  };
}

const startedAt = Date.now();
/** Where the verdict and the commit watches read the tables and checkpoints (local paths here). */
const storage = processStorage();
const print = (s: string) => console.log(s);
const log = (s: string) => console.log(`[chaos +${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${s}`);

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const rng = new Xoshiro128(opts.seed);
  const plan = planFaults(opts.faults, rng);
  print(`chaos: seed ${opts.seed}, ${opts.events} events, ${plan.length} faults${opts.short ? ' (short)' : ''}: ${plan.map(faultName).join(', ')}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-chaos-'));
  const servers: ChaosServers = { kafkaDir: path.join(dir, 'kafka'), kafkaPort: await freePort(true), redisDir: path.join(dir, 'redis'), redisPort: await freePort() };
  let cluster: LocalCluster | undefined;
  let client: DriverClient | undefined;
  let checks: Check[] = [];
  const faults: FaultRecord[] = [];
  const watchCheckpoint = path.join(dir, 'checkpoints', 'customers');
  const watch = new CommitWatch(storage, path.join(watchCheckpoint, 'commits'));
  const secondCheckpoint = path.join(dir, 'checkpoints', 'second');
  const secondWatch = new CommitWatch(storage, path.join(secondCheckpoint, 'commits'));
  let secondClient: DriverClient | undefined;
  const stringCheckpoint = path.join(dir, 'checkpoints', 'string-key');
  const stringWatch = new CommitWatch(storage, path.join(stringCheckpoint, 'commits'));
  let stringClient: DriverClient | undefined;
  const updateCheckpoint = path.join(dir, 'checkpoints', 'string-key-update');
  const updateWatch = new CommitWatch(storage, path.join(updateCheckpoint, 'commits'));
  let updateClient: DriverClient | undefined;
  const cdcCheckpoint = path.join(dir, 'checkpoints', 'cdc');
  const cdcWatch = new CommitWatch(storage, path.join(cdcCheckpoint, 'commits'));
  let cdcClient: DriverClient | undefined;
  const historyCheckpoint = path.join(dir, 'checkpoints', 'cdc-history');
  const historyWatch = new CommitWatch(storage, path.join(historyCheckpoint, 'commits'));
  let historyClient: DriverClient | undefined;
  try {
    log(`starting Kafka (port ${servers.kafkaPort}) and Redis (port ${servers.redisPort}) under ${dir}`);
    await Promise.all([startKafka(servers.kafkaDir, servers.kafkaPort), startRedis(servers.redisDir, servers.redisPort)]);
    const bootstrap = `127.0.0.1:${servers.kafkaPort}`;
    cluster = await LocalCluster.start({ dir: path.join(dir, 'cluster'), redis: { host: '127.0.0.1', port: servers.redisPort }, executors: 3 });
    const topic = `chaos_events_${opts.seed}`;
    const workload = new Workload(opts.seed, bootstrap, topic, log);
    const lateCount = Math.max(1000, Math.round(opts.events * 0.01));
    const inOrderTotal = opts.events - lateCount - 3;
    const sliceSize = Math.ceil(inOrderTotal / (plan.length + 1));
    let inOrderLeft = inOrderTotal;
    const secondTopic = `chaos_second_events_${opts.seed}`;
    // Fewer events per second of event time than the first, so its windows close during the run too.
    const second = new Workload(opts.seed + 7919, bootstrap, secondTopic, log, 50);
    const secondSliceSize = Math.ceil(inOrderTotal / 5 / (plan.length + 1));
    const stringTopic = `chaos_string_key_events_${opts.seed}`;
    const stringed = new Workload(opts.seed + 104_729, bootstrap, stringTopic, log, 50);
    const stringLateCount = Math.max(200, Math.round(lateCount / 5));
    const cdcTopic = `chaos_cdc_changes_${opts.seed}`;
    const historyTopic = `chaos_cdc_history_changes_${opts.seed}`;
    const cdc = new CdcWorkload(opts.seed + 15_485_863, Math.max(2000, Math.round(opts.events / 25)), bootstrap, [{ topic: cdcTopic, partitions: 3 }, { topic: historyTopic, partitions: 1 }], log);
    const cdcSliceSize = Math.ceil(cdc.records.length / (plan.length + 1));
    const produceSlice = async () => {
      const n = Math.min(sliceSize, inOrderLeft);
      inOrderLeft -= n;
      const m = Math.round((n * secondSliceSize) / sliceSize);
      await Promise.all([workload.inOrder(n), second.inOrder(m), stringed.inOrder(m), cdc.next(cdcSliceSize)]);
    };

    await produceSlice();
    const table = path.join(dir, 'delta', 'customer_aggregates');
    const started = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic, table, checkpoint: watchCheckpoint, maxOffsetsPerTrigger: Math.ceil(sliceSize / 6), trigger: '200 milliseconds',
    });
    client = started.client;
    const queryId = started.query.id;
    watch.start();
    log(`query ${queryId} started; ${sliceSize} events per slice, ${Math.ceil(sliceSize / 6)} per batch at most`);
    const secondTable = path.join(dir, 'delta', 'second_aggregates');
    const secondStarted = await startSeedJob(cluster.driverAddress, {
      bootstrap, topic: secondTopic, table: secondTable, checkpoint: secondCheckpoint, maxOffsetsPerTrigger: Math.ceil(secondSliceSize / 8), trigger: '200 milliseconds',
    });
    secondClient = secondStarted.client;
    const secondQueryId = secondStarted.query.id;
    secondWatch.start();
    log(`second query ${secondQueryId} started on ${secondTopic}; ${secondSliceSize} events per slice, ${Math.ceil(secondSliceSize / 8)} per batch at most`);
    const stringTable = path.join(dir, 'delta', 'string_key_aggregates');
    const stringStarted = await startStringKeyJob(cluster.driverAddress, {
      bootstrap, topic: stringTopic, table: stringTable, checkpoint: stringCheckpoint, maxOffsetsPerTrigger: Math.ceil(secondSliceSize / 8), trigger: '200 milliseconds',
    });
    stringClient = stringStarted.client;
    const stringQueryId = stringStarted.query.id;
    stringWatch.start();
    log(`string-key query ${stringQueryId} started on ${stringTopic} (v2: window, event_type, customer_id)`);
    const updateTable = path.join(dir, 'delta', 'string_key_updates');
    const updateStarted = await startStringKeyJob(cluster.driverAddress, {
      bootstrap, topic: stringTopic, table: updateTable, checkpoint: updateCheckpoint, maxOffsetsPerTrigger: Math.ceil(secondSliceSize / 8), trigger: '200 milliseconds', outputMode: 'update',
    });
    updateClient = updateStarted.client;
    const updateQueryId = updateStarted.query.id;
    updateWatch.start();
    log(`string-key update-mode query ${updateQueryId} started on ${stringTopic}`);
    const cdcStarted = await startCdcJob(cluster.driverAddress, {
      bootstrap, topic: cdcTopic, table: path.join(dir, 'delta', 'cdc_orders'), checkpoint: cdcCheckpoint, maxOffsetsPerTrigger: Math.ceil(cdcSliceSize / 2), trigger: '200 milliseconds', storedAs: 'scd1',
    });
    cdcClient = cdcStarted.client;
    cdcWatch.start();
    const historyStarted = await startCdcJob(cluster.driverAddress, {
      bootstrap, topic: historyTopic, table: path.join(dir, 'delta', 'cdc_orders_history'), checkpoint: historyCheckpoint, maxOffsetsPerTrigger: Math.ceil(cdcSliceSize / 2), trigger: '200 milliseconds', storedAs: 'scd2',
    });
    historyClient = historyStarted.client;
    historyWatch.start();
    log(`CDC queries ${cdcStarted.query.id} (SCD type 1, ${cdcTopic}) and ${historyStarted.query.id} (SCD type 2, ${historyTopic}) started; ${cdc.records.length} change records (${cdc.log.length} changes), ${cdcSliceSize} per slice`);
    /** The watermark both string-key queries have committed: late events for it are late for both. */
    const stringWatermark = () => Math.min(stringWatch.watermarkMicros(), updateWatch.watermarkMicros());

    let lateDone = false;
    const produceLate = async () => {
      const bound = Math.floor(watch.watermarkMicros() / WINDOW) * WINDOW;
      await workload.late(lateCount, bound);
      lateDone = true;
      log(`produced ${lateCount} late events in windows ending by ${new Date(bound / 1000).toISOString()} (committed watermark is past it)`);
    };
    let stringLateDone = false;
    const produceStringLate = async () => {
      const bound = Math.floor(stringWatermark() / WINDOW) * WINDOW;
      await stringed.late(stringLateCount, bound);
      stringLateDone = true;
      log(`produced ${stringLateCount} late events for the string-key query in windows ending by ${new Date(bound / 1000).toISOString()} (both string-key queries' committed watermarks are past it)`);
    };

    // Slice i+1 is produced while fault i is injected, so that producing goes through faults too
    // (a Kafka restart makes the producer send a unit again: the verdict reads the topic back).
    let fatal: Error | undefined;
    let producing: Promise<void> = Promise.resolve();
    let sliceStart = 0;
    for (let i = 0; i < plan.length && !fatal; i++) {
      try {
        await producing;
        if (!lateDone && i >= plan.length / 2 && watch.watermarkMicros() > -Infinity) await produceLate();
        if (!stringLateDone && i >= plan.length / 2 && stringWatermark() > -Infinity) await produceStringLate();
        const share = 0.1 + rng.nextFloat() * 0.6;
        const target = Math.min(sliceStart + share * (workload.produced - sliceStart), workload.produced - 1);
        await watch.waitFor(() => watch.consumedRows() >= target, 300_000, `the engine to read ${Math.round(target)} records (it read ${watch.consumedRows()})`);
        sliceStart = workload.produced;
        producing = produceSlice();
        producing.catch(() => {});
        const fault = plan[i];
        log(`fault #${i + 1}: ${faultName(fault)}`);
        const injected = await inject(fault, cluster, servers, rng, { 'update-mode': updateQueryId, cdc: cdcStarted.query.id, 'cdc-history': historyStarted.query.id });
        faults.push({ index: i, name: faultName(fault), detail: injected.detail, at: injected.at });
        await watch.waitFor(() => watch.firstCommitAfter(injected.at) !== undefined, 300_000, `a batch to commit after fault #${i + 1} (${faultName(fault)})`);
      } catch (err) {
        fatal = err as Error;
        log(`the run cannot go on: ${fatal.message}`);
      }
    }
    await producing.catch((err) => { fatal ??= err as Error; });

    if (!fatal) {
      try {
        while (inOrderLeft > 0) await produceSlice();
        if (!lateDone) {
          await watch.waitFor(() => watch.watermarkMicros() > -Infinity, 300_000, 'a committed watermark');
          await produceLate();
        }
        if (!stringLateDone) {
          await stringWatch.waitFor(() => stringWatermark() > -Infinity, 300_000, "the string-key queries' committed watermarks");
          await produceStringLate();
        }
        await Promise.all([workload.closeAll(), second.closeAll(), stringed.closeAll()]);
        const finalWatermark = Math.floor(workload.finalWatermarkMicros() / 1000) * 1000;
        const secondFinal = Math.floor(second.finalWatermarkMicros() / 1000) * 1000;
        const stringFinal = Math.floor(stringed.finalWatermarkMicros() / 1000) * 1000;
        log(`all ${workload.produced} + ${second.produced} + ${stringed.produced} events produced (${workload.sendRetries + second.sendRetries + stringed.sendRetries} sends repeated); waiting for watermarks ${[finalWatermark, secondFinal, stringFinal].map((w) => new Date(w / 1000).toISOString()).join(', ')}`);
        await watch.waitFor(() => watch.watermarkMicros() >= finalWatermark, opts.short ? 300_000 : 600_000, 'the final watermark to be committed');
        await secondWatch.waitFor(() => secondWatch.watermarkMicros() >= secondFinal, opts.short ? 300_000 : 600_000, "the second query's final watermark to be committed");
        await stringWatch.waitFor(() => stringWatch.watermarkMicros() >= stringFinal, opts.short ? 300_000 : 600_000, "the string-key query's final watermark to be committed");
        await updateWatch.waitFor(() => updateWatch.watermarkMicros() >= stringFinal, opts.short ? 300_000 : 600_000, "the update-mode query's final watermark to be committed");
        await cdc.rest();
        const admin = await connectKafkaAdmin({ brokers: [bootstrap] });
        const held = async (t: string) => [...(await admin.latestOffsets(t, 'read_uncommitted')).values()].reduce((a, o) => a + Number(o), 0);
        const [cdcHeld, historyHeld] = await Promise.all([held(cdcTopic), held(historyTopic)]).finally(() => admin.close());
        log(`all ${cdc.records.length} change records produced (${cdc.sendRetries} sends repeated; the topics hold ${cdcHeld} and ${historyHeld}); waiting for the CDC queries to read them`);
        await cdcWatch.waitFor(() => cdcWatch.consumedRows() >= cdcHeld, opts.short ? 300_000 : 600_000, `the SCD type 1 CDC query to read the ${cdcHeld} records of its topic`);
        await historyWatch.waitFor(() => historyWatch.consumedRows() >= historyHeld, opts.short ? 300_000 : 600_000, `the SCD type 2 CDC query to read the ${historyHeld} records of its topic`);
      } catch (err) {
        fatal = err as Error;
        log(`the run did not finish: ${fatal.message}`);
      }
    }
    await watch.stop();
    await secondWatch.stop();
    await stringWatch.stop();
    await updateWatch.stop();
    await cdcWatch.stop();
    await historyWatch.stop();
    for (const f of faults) {
      const next = watch.firstCommitAfter(f.at);
      if (next) { f.recoveryMs = next.committedAtMs - f.at; f.nextBatch = next.batchId; }
    }
    await started.query.stop().catch((err) => log(`stopping the query: ${(err as Error).message}`));
    await secondStarted.query.stop().catch((err) => log(`stopping the second query: ${(err as Error).message}`));
    await stringStarted.query.stop().catch((err) => log(`stopping the string-key query: ${(err as Error).message}`));
    await updateStarted.query.stop().catch((err) => log(`stopping the update-mode query: ${(err as Error).message}`));
    await cdcStarted.query.stop().catch((err) => log(`stopping the SCD type 1 CDC query: ${(err as Error).message}`));
    await historyStarted.query.stop().catch((err) => log(`stopping the SCD type 2 CDC query: ${(err as Error).message}`));
    client.close();
    client = undefined;
    secondClient.close();
    secondClient = undefined;
    stringClient.close();
    stringClient = undefined;
    updateClient.close();
    updateClient = undefined;
    cdcClient.close();
    cdcClient = undefined;
    historyClient.close();
    historyClient = undefined;
    await cluster.stop();
    cluster = undefined;

    log('reading the topic back and comparing the table with the oracle');
    const verdict = await verify(storage, { bootstrap, topic, table, queryId, lateEventIds: workload.lateEventIds });
    const secondVerdict = await verify(storage, { bootstrap, topic: secondTopic, table: secondTable, queryId: secondQueryId, lateEventIds: [] });
    const stringVerdict = await verifyStringKey(storage, { bootstrap, topic: stringTopic, table: stringTable, queryId: stringQueryId, lateEventIds: stringed.lateEventIds });
    const updateVerdict = await verifyStringKey(storage, { bootstrap, topic: stringTopic, table: updateTable, queryId: updateQueryId, lateEventIds: stringed.lateEventIds, outputMode: 'update' });
    const cdcVerdict = await verifyCdc(storage, { bootstrap, topic: cdcTopic, table: path.join(dir, 'delta', 'cdc_orders'), queryId: cdcStarted.query.id, log: cdc.log, final: cdc.final, storedAs: 'scd1' });
    const historyVerdict = await verifyCdc(storage, { bootstrap, topic: historyTopic, table: path.join(dir, 'delta', 'cdc_orders_history'), queryId: historyStarted.query.id, log: cdc.log, final: cdc.final, storedAs: 'scd2' });
    checks = [
      ...verdict.checks,
      ...secondVerdict.checks.map((c) => ({ ...c, title: `second query: ${c.title}` })),
      ...stringVerdict.checks.map((c) => ({ ...c, title: `string-key query: ${c.title}` })),
      ...updateVerdict.checks.map((c) => ({ ...c, title: `update-mode query: ${c.title}` })),
      ...cdcVerdict.checks.map((c) => ({ ...c, title: `CDC query (SCD type 1): ${c.title}` })),
      ...historyVerdict.checks.map((c) => ({ ...c, title: `CDC query (SCD type 2): ${c.title}` })),
    ];
    if (fatal) checks.unshift({ title: 'the run completed', ok: false, detail: fatal.message });
    printFaults(faults, startedAt, print);
    const commits = watch.commits();
    print(`\n${commits.length} batches committed, ${commits.filter((c) => c.attempt > 1).length} of them after more than one attempt; ${verdict.orphanFiles} orphan data files; ${workload.sendRetries} producer sends repeated`);
    const stringCommits = stringWatch.commits();
    print(`string-key query: ${stringCommits.length} batches committed, ${stringCommits.filter((c) => c.attempt > 1).length} of them after more than one attempt; ${stringVerdict.orphanFiles} orphan data files; ${stringed.sendRetries} producer sends repeated`);
    const updateCommits = updateWatch.commits();
    print(`update-mode query: ${updateCommits.length} batches committed, ${updateCommits.filter((c) => c.attempt > 1).length} of them after more than one attempt; ${updateVerdict.orphanFiles} orphan data files`);
    for (const [name, w, v] of [['CDC query (SCD type 1)', cdcWatch, cdcVerdict], ['CDC query (SCD type 2)', historyWatch, historyVerdict]] as const) {
      const cs = w.commits();
      print(`${name}: ${cs.length} batches committed, ${cs.filter((c) => c.attempt > 1).length} of them after more than one attempt; ${v.orphanFiles} orphan data files; ${cdc.sendRetries} producer sends repeated`);
    }
    const missed = faults.filter((f) => f.detail.startsWith('NOT REACHED'));
    if (missed.length) print(`WARNING: protocol steps not reached by the fault hook: ${missed.map((f) => f.name).join(', ')}`);
  } catch (err) {
    checks = [{ title: 'the chaos run', ok: false, detail: (err as Error).stack ?? String(err) }];
  } finally {
    await watch.stop();
    await secondWatch.stop();
    await stringWatch.stop();
    await updateWatch.stop();
    await cdcWatch.stop();
    await historyWatch.stop();
    client?.close();
    secondClient?.close();
    stringClient?.close();
    updateClient?.close();
    cdcClient?.close();
    historyClient?.close();
    if (cluster) await cluster.stop().catch(() => {});
    await Promise.all([stopKafka(servers.kafkaDir).catch(() => {}), stopRedis(servers.redisDir).catch(() => {})]);
  }
  const failed = printChecks(checks, print);
  print(`chaos run took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
  if (failed > 0 || opts.keep) {
    print(`logs and data kept in ${dir}`);
    if (failed > 0) print(`--- driver log (tail)\n${tail(path.join(dir, 'cluster', 'logs', 'driver.log'), 80)}`);
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed > 0 ? 1 : 0;
}

function tail(file: string, lines: number): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  print('\n  0 passing\n  1 failing');
  process.exit(1);
});
