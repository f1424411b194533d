/**
 * A rogue executor process for the end-to-end tests of the driver's checks (test/e2e/rogue-executor.test.ts).
 * It speaks the real gRPC contract: it registers through ClusterService and heartbeats with its
 * incarnation, and serves TaskService and ShuffleService by forwarding every call to a real
 * executor it runs in-process (registered with a stand-in ClusterService of its own, so the driver
 * only knows the rogue). It then corrupts its answers, by mode:
 *   drop-output   a reduce that wrote rows answers success with no files and no emitted rows
 *   missing-file  a reduce reports its files after deleting one of them
 *   escape-path   a reduce reports its file as `../escape/<name>` (a true copy is put there)
 *   never-answer  task calls are never answered (heartbeats go on)
 *   take-id       registers under a live executor's id, then heartbeats with a forged incarnation;
 *                 prints what the driver answered as `ROGUE-RESULT <json>` and serves nothing
 * `--times N` corrupts only the first N reduce answers that had files (default: all of them).
 * Usage: node rogue-executor.js --driver HOST:PORT --id ID --mode MODE [--times N]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RpcClient, RpcServer, ServiceHandlers } from '@tributary/common';
import { startExecutor } from '@tributary/executor';

type Mode = 'drop-output' | 'missing-file' | 'escape-path' | 'never-answer' | 'take-id';

const log = (m: string) => console.log(`[${new Date().toISOString()}] [rogue] ${m}`);

/** Handlers that forward every method of a service to `client`. */
function forwardTo(client: RpcClient, deadlineMs: number): ServiceHandlers {
  return new Proxy({}, { get: (_, method) => (typeof method === 'string' ? (req: object) => client.call(method, req, deadlineMs) : undefined) });
}

async function takeId(driver: RpcClient, id: string): Promise<void> {
  const result: Record<string, unknown> = {};
  try {
    const res: any = await driver.call('RegisterExecutor', { executor_id: id, address: '127.0.0.1:1', pid: process.pid }, 5000);
    result.register = { ok: true, incarnation: res.incarnation };
  } catch (err: any) {
    result.register = { ok: false, code: err.code, message: err.message };
  }
  for (const incarnation of ['', 'forged-incarnation']) {
    const res: any = await driver.call('Heartbeat', { executor_id: id, incarnation, rss_bytes: 1 }, 5000);
    (result.heartbeats ??= [] as unknown[]) as unknown[];
    (result.heartbeats as unknown[]).push({ incarnation, reregister: res.reregister });
  }
  console.log(`ROGUE-RESULT ${JSON.stringify(result)}`);
}

/** Corrupts a successful reduce answer that reported files; returns it unchanged otherwise. */
function corruptReduce(mode: Mode, req: any, res: any): any {
  const tablePath: string = JSON.parse(req.job_json).tablePath;
  const adds = (res.add_actions_json as string[]).map((a) => JSON.parse(a));
  switch (mode) {
    case 'drop-output': {
      const stats = JSON.parse(res.stats_json);
      stats.emittedRows = 0;
      stats.filesWritten = 0;
      for (const p of stats.byPartition) p.emittedRows = 0;
      return { ...res, add_actions_json: [], stats_json: JSON.stringify(stats) };
    }
    case 'missing-file':
      fs.rmSync(path.join(tablePath, decodeURIComponent(adds[0].path)));
      return res;
    case 'escape-path': {
      const escapeDir = path.join(tablePath, '..', 'escape');
      fs.mkdirSync(escapeDir, { recursive: true });
      const name = path.basename(decodeURIComponent(adds[0].path));
      fs.copyFileSync(path.join(tablePath, decodeURIComponent(adds[0].path)), path.join(escapeDir, name));
      adds[0].path = `../escape/${name}`;
      return { ...res, add_actions_json: adds.map((a) => JSON.stringify(a)) };
    }
    default:
      return res;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { driver: { type: 'string' }, id: { type: 'string' }, mode: { type: 'string' }, times: { type: 'string' } } });
  const mode = values.mode as Mode;
  const id = values.id!;
  const driver = new RpcClient('ClusterService', values.driver!);
  if (mode === 'take-id') {
    await takeId(driver, id);
    driver.close();
    return;
  }
  let corruptionsLeft = values.times === undefined ? Infinity : Number(values.times);

  // The real executor inside, registered with a stand-in for the driver.
  const standIn = new RpcServer().add('ClusterService', {
    async RegisterExecutor() { return { heartbeat_interval_ms: 1000, incarnation: 'inner' }; },
    async Heartbeat() { return { reregister: false }; },
  });
  const standInPort = await standIn.listen('127.0.0.1', 0);
  const inner = await startExecutor({ driver: `127.0.0.1:${standInPort}`, id: `${id}-inner`, log: (m) => log(`inner: ${m}`) });
  const innerTasks = new RpcClient('TaskService', inner.address);
  const innerShuffle = new RpcClient('ShuffleService', inner.address);

  const never = new Promise<never>(() => {});
  const tasks: ServiceHandlers = new Proxy(forwardTo(innerTasks, 300_000), {
    get(target, method) {
      if (mode === 'never-answer' && (method === 'RunMapTask' || method === 'RunReduceTask')) return () => { log(`${String(method)} received: never answering`); return never; };
      if (method !== 'RunReduceTask') return (target as any)[method];
      return async (req: any) => {
        const res: any = await innerTasks.call('RunReduceTask', req, 300_000);
        if ((res.error && res.error.code) || (res.add_actions_json ?? []).length === 0 || corruptionsLeft <= 0) return res;
        corruptionsLeft--;
        log(`corrupting the reduce answer of batch ${req.ctx.batch_id} attempt ${req.ctx.attempt} (${mode})`);
        return corruptReduce(mode, req, res);
      };
    },
  });
  const server = new RpcServer().add('TaskService', tasks).add('ShuffleService', forwardTo(innerShuffle, 60_000));
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const reg: any = await driver.call('RegisterExecutor', { executor_id: id, address, pid: process.pid }, 5000);
  let incarnation = reg.incarnation as string;
  log(`registered with the driver as ${id} at ${address}`);
  setInterval(async () => {
    try {
      const res: any = await driver.call('Heartbeat', { executor_id: id, incarnation, rss_bytes: process.memoryUsage().rss }, 2000);
      if (res.reregister) incarnation = (await driver.call<any>('RegisterExecutor', { executor_id: id, address, pid: process.pid }, 5000)).incarnation;
    } catch { /* the driver is away; next tick */ }
  }, Number(reg.heartbeat_interval_ms) || 500);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
