/** `tributary submit | list | status | stop`: talk to a driver's QueryService. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { QuerySpec, RpcError, TributaryError } from '@tributary/common';
import { DriverClient } from '../rpc/driver-client';
import { GrpcSubmitter } from '../rpc/grpc-submitter';
import { TributarySession } from '../api';
import { withAbsolutePaths } from '../api/paths';
import { ParsedArgs, driverAddress } from './main';
import { clientSecurityOf } from './security-options';

/**
 * A job file is either a QuerySpec as JSON, or a CommonJS module exporting
 * `async (spark, options) => StreamingQuery`, options being the key=value words after the file written with the job API (see examples/seed-job.js).
 */
export async function runSubmitCommand(args: ParsedArgs): Promise<number> {
  const file = args.positionals[0];
  if (!file) throw new Error('usage: tributary submit <job.js|spec.json> [--driver HOST:PORT] [--wait] [--tls-ca F --tls-cert F --tls-key F] [--token-file F]');
  const client = new DriverClient(driverAddress(args), clientSecurityOf(args));
  try {
    return await submit(file, args, client);
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    console.error(refusal(err, client.address));
    return 1;
  } finally {
    client.close();
  }
}

/**
 * A refused submission in plain words: who refused (the driver, or the job API before sending), the
 * gRPC status, and the reason as the driver wrote it (one problem per line for an invalid query).
 */
export function refusal(err: TributaryError, driver: string): string {
  if (err instanceof RpcError) {
    if (err.code === 'UNAVAILABLE' && /No connection established|ECONNREFUSED|failed to connect/i.test(err.message)) {
      return `tributary submit: cannot reach the driver at ${driver}: ${err.message}`;
    }
    return `tributary submit: the driver at ${driver} refused the query (${err.code}):\n${err.message}`;
  }
  return `tributary submit: the query was not sent (${err.code}):\n${err.message}`;
}

async function submit(file: string, args: ParsedArgs, client: DriverClient): Promise<number> {
  let queryId: string;
  if (file.endsWith('.json')) {
    // Relative locations in the file are taken from the directory `tributary submit` runs in.
    const spec = withAbsolutePaths(JSON.parse(fs.readFileSync(file, 'utf8')) as QuerySpec);
    queryId = (await client.submit(spec)).id;
  } else {
    const job = require(path.resolve(file));
    const fn = typeof job === 'function' ? job : job.default ?? job.job;
    if (typeof fn !== 'function') throw new Error(`${file} must export a function (spark, argv) => StreamingQuery`);
    const spark = TributarySession.builder().appName(path.basename(file)).submitter(new GrpcSubmitter(client)).getOrCreate();
    const opts = Object.fromEntries(args.positionals.slice(1).map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`job options are key=value, got '${kv}'`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }));
    const query = await fn(spark, opts);
    queryId = query.id;
  }
  console.log(`submitted query ${queryId}`);
  if (args.values.wait) {
    const info = await client.awaitTermination(queryId);
    console.log(`query ${queryId} ${info.state}${info.error ? `: ${info.error}` : ''}`);
    return info.state === 'FAILED' ? 1 : 0;
  }
  return 0;
}

export async function runListCommand(args: ParsedArgs): Promise<number> {
  const client = new DriverClient(driverAddress(args), clientSecurityOf(args));
  try {
    for (const q of await client.list()) console.log(`${q.id}  ${q.state.padEnd(8)}  batch ${q.lastCommittedBatch}  ${q.name}  ${q.message}`);
    return 0;
  } finally {
    client.close();
  }
}

export async function runStatusCommand(args: ParsedArgs): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new Error('usage: tributary status <query-id>');
  const client = new DriverClient(driverAddress(args), clientSecurityOf(args));
  try {
    const { info, progress } = await client.get(id, 1);
    console.log(JSON.stringify({ ...info, lastProgress: progress[progress.length - 1] ?? null }, null, 2));
    return 0;
  } finally {
    client.close();
  }
}

export async function runStopCommand(args: ParsedArgs): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new Error('usage: tributary stop <query-id>');
  const client = new DriverClient(driverAddress(args), clientSecurityOf(args));
  try {
    const info = await client.stop(id);
    console.log(`query ${id} ${info.state}`);
    return 0;
  } finally {
    client.close();
  }
}
