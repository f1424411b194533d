/**
 * `tributary sql`: Spark SQL from the shell.
 *
 *   tributary sql <job.sql> --sink delta:<path> --checkpoint <dir> [--output-mode append|update|complete]
 *                 [--trigger availableNow|'<interval>'] [--kafka-option key=value]… [--name N] [--driver HOST:PORT] [--wait]
 *       runs the file's statements with spark.sql (CREATE TEMP VIEW … and a final SELECT, or views
 *       only: the last view is the result) and starts the streaming query writing the result to the
 *       Delta table. Kafka options (startingOffsets, maxOffsetsPerTrigger, kafka.*) apply to every
 *       kafka.`host:port`.`topic` in the file.
 *   tributary sql -e "SELECT … FROM delta.`/path/to/table` …" [--limit N]
 *       a batch query over a Delta table (sql/batch-query.ts), printed as `tributary table show` prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TributaryError, type DataType } from '@tributary/common';
import { TributarySession, type Trigger } from '../api';
import { DriverClient } from '../rpc/driver-client';
import { CLIENT_SECURITY_OPTIONS, clientSecurityOf } from './security-options';
import { GrpcSubmitter } from '../rpc/grpc-submitter';
import { runBatchSql } from '../sql/batch-query';
import { driverAddress, intOption, type ParsedArgs } from './main';
import { refusal } from './queries';
import { cellText } from './table';

export const SQL_OPTIONS = {
  e: { type: 'string', short: 'e' }, sink: { type: 'string' }, checkpoint: { type: 'string' }, 'output-mode': { type: 'string' },
  trigger: { type: 'string' }, 'kafka-option': { type: 'string', multiple: true }, name: { type: 'string' }, driver: { type: 'string' },
  wait: { type: 'boolean' }, limit: { type: 'string' }, ...CLIENT_SECURITY_OPTIONS,
} as const;

const USAGE = `usage: tributary sql <job.sql> --sink delta:<path> --checkpoint <dir> [--output-mode update] [--trigger availableNow|'10 seconds']
                     [--kafka-option key=value]… [--name N] [--driver HOST:PORT[,HOST:PORT…]] [--wait]
                     [--tls-ca F --tls-cert F --tls-key F] [--token-file F]
       tributary sql -e "SELECT … FROM delta.\`/path/to/table\`" [--limit N]`;

export async function runSqlCommand(args: ParsedArgs): Promise<number> {
  const text = args.values.e;
  if (typeof text === 'string') return batch(text, intOption(args, 'limit', 1000));
  const file = args.positionals[0];
  if (file === undefined) throw new Error(USAGE);
  return stream(file, args);
}

async function batch(text: string, limit: number): Promise<number> {
  try {
    const result = await runBatchSql(text);
    const shown = result.rows.slice(0, limit).map((r) => result.fields.map((f) => (f.type === null ? plain(r[f.name] ?? null) : cellText(r[f.name] ?? null, f.type))));
    const header = result.fields.map((f) => f.name);
    const widths = header.map((h, c) => Math.max(h.length, ...shown.map((cells) => cells[c].length)));
    const line = (cells: string[]): string => cells.map((t, c) => t.padEnd(widths[c])).join(' | ').trimEnd();
    console.log(line(header));
    for (const cells of shown) console.log(line(cells));
    console.log(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.rows.length > limit ? `, ${limit} shown` : ''}; ${result.table} version ${result.version})`);
    return 0;
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    console.error(`tributary sql: ${err.message}`);
    return 1;
  }
}

function plain(v: unknown): string {
  return v === null ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v);
}

async function stream(file: string, args: ParsedArgs): Promise<number> {
  const sink = args.values.sink;
  if (typeof sink !== 'string' || !sink.startsWith('delta:') || sink.length === 'delta:'.length) throw new Error(`--sink delta:<path> is required\n${USAGE}`);
  const checkpoint = args.values.checkpoint;
  if (typeof checkpoint !== 'string' || checkpoint === '') throw new Error(`--checkpoint <dir> is required\n${USAGE}`);
  const kafka: Record<string, string> = {};
  for (const kv of (args.values['kafka-option'] as unknown as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--kafka-option takes key=value, got '${kv}'`);
    kafka[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const text = fs.readFileSync(file, 'utf8');
  const client = new DriverClient(driverAddress(args), clientSecurityOf(args));
  try {
    const spark = TributarySession.builder().appName(path.basename(file)).submitter(new GrpcSubmitter(client)).getOrCreate();
    const df = await spark.sql(text, { kafka });
    const t = args.values.trigger;
    const trigger: Trigger = t === undefined || t === 'availableNow' ? { availableNow: true } : { processingTime: String(t) };
    let writer = df.writeStream.format('delta').outputMode(String(args.values['output-mode'] ?? 'append')).option('checkpointLocation', checkpoint).trigger(trigger);
    if (typeof args.values.name === 'string') writer = writer.queryName(args.values.name);
    const query = await writer.start(sink.slice('delta:'.length));
    console.log(`submitted query ${query.id}`);
    if (args.values.wait) {
      const info = await client.awaitTermination(query.id);
      console.log(`query ${query.id} ${info.state}${info.error ? `: ${info.error}` : ''}`);
      return info.state === 'FAILED' ? 1 : 0;
    }
    return 0;
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    console.error(refusal(err, client.address).replace(/^tributary submit/, 'tributary sql'));
    return 1;
  } finally {
    client.close();
  }
}

export type { DataType };
