/**
 * `tributary table <verb> <path>`: inspect and maintain a Delta table.
 *
 *   show      <path> [--limit N] [--version V | --timestamp ISO]   rows as a text table, columns from the table's schema
 *   history   <path> [--limit N]                                   commits, newest first
 *   describe  <path> [--version V | --timestamp ISO]               schema, partitioning, properties, protocol, files, txns
 *   optimize  <path> [--target-file-size BYTES]                    compact small files (dataChange=false)
 *   vacuum    <path> [--retain HOURS] [--dry-run] [--unsafe-retention]  delete unreferenced files older than the retention
 *   checkpoint <path>                                              write a checkpoint of the latest version
 */
import {
  CanonicalValue, canonicalRows, commitTimestamps, DataType, deltaTypeName, optimize, parseSchemaString, readSnapshot, readSnapshotRows, Snapshot,
  SnapshotOptions, vacuum, writeCheckpoint, processStorage, resolveLocation, Storage, joinLocation,
} from '@tributary/common';
import * as path from 'node:path';
import { withSpinner } from './progress-bar';
import { ParsedArgs, intOption } from './main';

export const TABLE_OPTIONS = {
  limit: { type: 'string' }, version: { type: 'string' }, timestamp: { type: 'string' }, retain: { type: 'string' },
  'dry-run': { type: 'boolean' }, 'unsafe-retention': { type: 'boolean' }, 'target-file-size': { type: 'string' },
} as const;

const USAGE = 'usage: tributary table show|history|describe|optimize|vacuum|checkpoint <path> [options]';

export async function runTableCommand(args: ParsedArgs): Promise<number> {
  const [verb, given] = args.positionals;
  if (!given) throw new Error(USAGE);
  const tablePath = resolveLocation(given);
  const storage = processStorage();
  switch (verb) {
    case 'show':
      await showTable(storage, tablePath, intOption(args, 'limit', 20), timeTravel(args));
      return 0;
    case 'history':
      await showHistory(storage, tablePath, intOption(args, 'limit', 20));
      return 0;
    case 'describe':
      await describeTable(storage, tablePath, timeTravel(args));
      return 0;
    case 'optimize': {
      const target = args.values['target-file-size'];
      const r = await withSpinner(`OPTIMIZE ${tablePath}`, () => optimize(storage, tablePath, target === undefined ? {} : { targetFileBytes: intOption(args, 'target-file-size', 0) }));
      console.log(r.version === undefined
        ? `OPTIMIZE ${tablePath}: nothing to compact at version ${r.readVersion}`
        : `OPTIMIZE ${tablePath}: version ${r.version}, ${r.filesRemoved} files compacted into ${r.filesAdded}, ${r.rows} rows rewritten (dataChange=false)`);
      return 0;
    }
    case 'vacuum': {
      const retain = args.values.retain;
      const r = await withSpinner(`VACUUM ${tablePath}`, () => vacuum(storage, tablePath, {
        ...(retain === undefined ? {} : { retentionHours: intOption(args, 'retain', 0) }),
        dryRun: args.values['dry-run'] === true,
        unsafe: args.values['unsafe-retention'] === true,
      }));
      const verbWord = r.dryRun ? 'would delete' : 'deleted';
      console.log(`VACUUM ${tablePath} (retention ${r.retentionMs / 3600_000} hours): ${verbWord} ${r.files.length} files`);
      for (const f of r.files) console.log(`  ${f}`);
      return 0;
    }
    case 'checkpoint': {
      const r = await writeCheckpoint(storage, await readSnapshot(storage, tablePath));
      console.log(`checkpoint of ${tablePath} at version ${r.version}: ${r.size} actions, ${r.bytes} bytes`);
      return 0;
    }
    default:
      throw new Error(USAGE);
  }
}

function timeTravel(args: ParsedArgs): SnapshotOptions {
  const v = args.values.version;
  const t = args.values.timestamp;
  if (v !== undefined && t !== undefined) throw new Error('give --version or --timestamp, not both');
  if (v !== undefined) return { version: intOption(args, 'version', 0) };
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) throw new Error(`--timestamp '${t}' is not an ISO-8601 time`);
    return { timestamp: ms };
  }
  return {};
}

/**
 * Prints the table's rows as a text table, any schema: one column per top-level field, in schema
 * order; rows sorted by their values column by column (exact: numbers compared as integers of one
 * scale, never through floats). Cells: timestamps as ISO-8601 UTC with microseconds, structs as
 * {a, b}, arrays as [a, b], null as NULL; other values as canonicalRows gives them.
 */
export async function showTable(storage: Storage, tablePath: string, limit: number, at: SnapshotOptions = {}): Promise<void> {
  const snapshot = await readSnapshot(storage, tablePath, at);
  const fields = parseSchemaString(snapshot.metadata.schemaString).fields;
  const rows = canonicalRows(await readSnapshotRows(storage, snapshot));
  rows.sort((x, y) => {
    for (const f of fields) {
      const c = compareValues(x[f.name] ?? null, y[f.name] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
  console.log(`Delta table ${tablePath}: version ${snapshot.version}, ${snapshot.files.size} files, ${rows.length} rows`);
  const shown = rows.slice(0, limit).map((r) => fields.map((f) => cellText(r[f.name] ?? null, f.type)));
  const header = fields.map((f) => f.name);
  const widths = header.map((h, c) => Math.max(h.length, ...shown.map((cells) => cells[c].length)));
  const line = (cells: string[]): string => cells.map((t, c) => t.padEnd(widths[c])).join(' | ').trimEnd();
  console.log(line(header));
  for (const cells of shown) console.log(line(cells));
  if (rows.length > limit) console.log(`... ${rows.length - limit} more rows`);
}

/** A cell as `table show` prints it (timestamps ISO-8601 UTC with µs, structs {a, b}, arrays [a, b], NULL). */
export function cellText(v: CanonicalValue, type: DataType): string {
  if (v === null) return 'NULL';
  if (type.kind === 'primitive' && (type.name === 'timestamp' || type.name === 'timestamp_ntz') && typeof v === 'string') return isoMicros(BigInt(v));
  if (type.kind === 'struct' && typeof v === 'object' && !Array.isArray(v)) {
    return `{${type.fields.map((f) => cellText(v[f.name] ?? null, f.type)).join(', ')}}`;
  }
  if (type.kind === 'array' && Array.isArray(v)) return `[${v.map((e) => cellText(e, type.elementType)).join(', ')}]`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** µs since the epoch → ISO-8601 UTC with microseconds. */
function isoMicros(micros: bigint): string {
  const sub = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = (micros - sub) / 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 19)}.${sub.toString().padStart(6, '0')}Z`;
}

const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** Order of two canonical values: null first; numbers of one column (same scale) as integers; else by their text. */
function compareValues(a: CanonicalValue, b: CanonicalValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string' && PLAIN_NUMBER.test(a) && PLAIN_NUMBER.test(b)) {
    const x = BigInt(a.replace('.', ''));
    const y = BigInt(b.replace('.', ''));
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'object' && typeof b === 'object') {
    const xs = Object.values(a);
    const ys = Object.values(b);
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const c = compareValues(xs[i], ys[i]);
      if (c !== 0) return c;
    }
    return xs.length - ys.length;
  }
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export async function showHistory(storage: Storage, tablePath: string, limit: number): Promise<void> {
  const times = (await commitTimestamps(storage, tablePath)).reverse().slice(0, limit);
  console.log('version  timestamp                 operation          readVersion  parameters / engine');
  for (const { version, timestamp } of times) {
    const bytes = await storage.get(joinLocation(tablePath, '_delta_log', `${String(version).padStart(20, '0')}.json`)).catch(() => undefined);
    const text = bytes === undefined ? '' : Buffer.from(bytes).toString('utf8');
    let info: Record<string, unknown> = {};
    for (const line of text.split('\n')) {
      if (!line.includes('"commitInfo"')) continue;
      try {
        info = (JSON.parse(line) as { commitInfo?: Record<string, unknown> }).commitInfo ?? {};
      } catch {
        // a malformed line: shown without commitInfo
      }
      break;
    }
    const op = String(info.operation ?? '?');
    const read = info.readVersion === undefined ? '' : String(info.readVersion);
    console.log(`${String(version).padStart(7)}  ${new Date(timestamp).toISOString()}  ${op.padEnd(17)}  ${read.padStart(11)}  ${JSON.stringify(info.operationParameters ?? {})} ${String(info.engineInfo ?? '')}`);
  }
}

export async function describeTable(storage: Storage, tablePath: string, at: SnapshotOptions = {}): Promise<void> {
  const s: Snapshot = await readSnapshot(storage, tablePath, at);
  const schema = parseSchemaString(s.metadata.schemaString);
  let bytes = 0;
  let rows = 0;
  let rowsKnown = true;
  for (const f of s.files.values()) {
    bytes += f.size;
    const n = f.stats ? (JSON.parse(f.stats) as { numRecords?: number }).numRecords : undefined;
    if (typeof n === 'number') rows += n;
    else rowsKnown = false;
  }
  console.log(`Delta table ${path.resolve(tablePath)}`);
  console.log(`  version            ${s.version}`);
  console.log(`  id                 ${s.metadata.id}${s.metadata.name ? ` (${s.metadata.name})` : ''}`);
  console.log(`  protocol           reader ${s.protocol.minReaderVersion}${s.protocol.readerFeatures ? ` [${s.protocol.readerFeatures.join(', ')}]` : ''}, writer ${s.protocol.minWriterVersion}${s.protocol.writerFeatures ? ` [${s.protocol.writerFeatures.join(', ')}]` : ''}`);
  console.log(`  partition columns  ${s.metadata.partitionColumns.length > 0 ? s.metadata.partitionColumns.join(', ') : '(none)'}`);
  console.log(`  files              ${s.files.size} (${bytes} bytes), ${rowsKnown ? rows : `at least ${rows}`} rows`);
  console.log('  columns');
  for (const f of schema.fields) console.log(`    ${f.name.padEnd(16)} ${deltaTypeName(f.type)}${f.nullable ? '' : ' not null'}`);
  const conf = Object.entries(s.metadata.configuration);
  console.log(`  properties         ${conf.length === 0 ? '(none)' : conf.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  console.log(`  txn versions       ${s.txns.size === 0 ? '(none)' : ''}`);
  for (const [appId, v] of [...s.txns].sort()) console.log(`    ${appId} = ${v}`);
}
