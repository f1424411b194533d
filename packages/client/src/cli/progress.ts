/**
 * `tributary progress <query> [--follow] [--json] [--recent N]`: a query's batches, one line each —
 * the recent ones the driver keeps (across its restarts: progress/history-file.ts in the driver),
 * then with --follow each batch as it commits, streamed from the driver (QueryService.WatchQueries)
 * until the query ends or Ctrl-C. `<query>` is a query id or name. --json prints each QueryProgress
 * as one JSON line instead.
 */
import type { QueryProgress } from '@tributary/common';
import { DriverClient, QueryInfo } from '../rpc/driver-client';
import { ParsedArgs, driverAddress, intOption } from './main';
import { clientSecurityOf } from './security-options';

export async function runProgressCommand(args: ParsedArgs): Promise<number> {
  const wanted = args.positionals[0];
  if (!wanted) throw new Error('usage: tributary progress <query-id|name> [--follow] [--json] [--recent N]');
  const client = new DriverClient(driverAddress(args), clientSecurityOf(args));
  const json = args.values.json === true;
  const print = (p: QueryProgress) => console.log(json ? JSON.stringify(p) : progressLine(p));
  try {
    const query = await findQuery(client, wanted);
    const recent = intOption(args, 'recent', 10);
    if (!args.values.follow) {
      const { progress } = await client.get(query.id, recent);
      if (!json) console.log(HEADER);
      for (const p of progress) print(p);
      return 0;
    }
    if (!json) console.log(HEADER);
    let state = query.state;
    const watch = client.watch({ queryId: query.id, recentProgress: recent }, (e) => {
      if (e.kind === 'progress') print(e.progress);
      if (e.kind === 'terminated') {
        state = e.query.state;
        if (!json) console.log(`query ${e.query.id} ${e.query.state}${e.query.error ? `: ${e.query.error}` : ''}`);
        watch.cancel();
      }
    });
    const interrupt = () => watch.cancel();
    process.once('SIGINT', interrupt);
    try {
      await watch.done;
    } finally {
      process.off('SIGINT', interrupt);
    }
    return state === 'FAILED' ? 1 : 0;
  } finally {
    client.close();
  }
}

async function findQuery(client: DriverClient, wanted: string): Promise<QueryInfo> {
  const all = await client.list();
  const q = all.find((i) => i.id === wanted) ?? all.find((i) => i.name === wanted);
  if (!q) throw new Error(`the driver at ${client.address} has no query with id or name '${wanted}'`);
  return q;
}

const HEADER = ' batch  committed                 input rows  rows/s      output  duration  watermark                 lag';

/** One committed batch in a line: id, time, rows, rate, output rows, duration, watermark, records behind. */
export function progressLine(p: QueryProgress): string {
  const behind = p.sources[0]?.metrics?.maxOffsetsBehindLatest;
  return [
    String(p.batchId).padStart(6),
    p.timestamp.padEnd(24),
    String(p.numInputRows).padStart(11),
    Math.round(p.processedRowsPerSecond).toString().padStart(7),
    String(p.sink.numOutputRows).padStart(11),
    `${p.batchDuration ?? 0} ms`.padStart(9),
    (p.eventTime.watermark ?? '-').padEnd(24),
    behind === undefined ? '-' : `max ${behind}`,
  ].join('  ');
}
