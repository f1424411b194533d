/**
 * A map task of a CDC query in batch attempt (N, A): read exactly the planned Kafka ranges, read
 * each record as change rows (common/src/cdc: GoldenGate or Debezium), keep those of the query's
 * source table, and send each to the owner of its key's shuffle partition — Spark's
 * pmod(hash(keys…), P), as the group-by computes it — in the cdc-changes/v1 format (cdc-codec.ts),
 * one message per partition. A truncate has no key: it goes to every partition. Bad records
 * follow the query's policy. The task answers once every push was acknowledged.
 *
 * Several source tables (routes, cdc-spec.ts): each route's table is read with its own columns and
 * keys and partitioned by its own keys; a partition's message holds every route's rows
 * (cdc-routes/v1, cdc-route-frames.ts); a truncate of table T goes to every partition of T's route
 * only. Changes of tables no route names are counted and logged.
 *
 * Stats: sentRowsByPartition (checked against each reduce), route r's count for partition p at
 * r·P + p; no event time.
 */
import type { Storage } from '@tributary/common';
import {
  AddFile, BatchId, cdcDataColumns, cdcRoutes, ChangeBatch, ChangeReader, ColumnBatch, concatBatches, createChangeReader, emptyMapStats, ExecutorJob, MapTaskStats,
  OP, RecordChunk, ResolvedQuery, SqlField, takeRows,
} from '@tributary/common';
import { SPARK_HASH_SEED } from '../aggregate/group-by';
import { hashColumn } from '../aggregate/group-by/group-partition';
import type { CdcRows } from '../cdc/apply-changes';
import { encodeChanges } from '../cdc/cdc-codec';
import { encodeRouteFrames } from '../cdc/cdc-route-frames';
import { ShuffleSender, ShuffleTarget } from '../shuffle/shuffle-sender';
import { readChunks } from './decoded-chunks';
import { RangeReaders } from './range-readers';

export interface CdcMapTaskInput {
  batchId: BatchId;
  attempt: number;
  taskId: number;
  job: ExecutorJob;
  query: ResolvedQuery;
  ranges: { topic: string; partition: number; from: bigint; to: bigint }[];
  owners: ShuffleTarget[];
  signal: AbortSignal;
}

export class CdcMapTaskRunner {
  constructor(
    private readonly sender: ShuffleSender,
    private readonly readers: RangeReaders,
    private readonly storage: Storage,
    private readonly log: (m: string) => void,
  ) {}

  async run(input: CdcMapTaskInput): Promise<{ stats: MapTaskStats; quarantineAdds: AddFile[] }> {
    const t0 = Date.now();
    const { job, query } = input;
    const cdc = query.cdc;
    if (cdc === undefined) throw new RangeError('a CDC map task needs a CDC query');
    const P = job.shufflePartitions;
    const routes: RouteSide[] = cdcRoutes(cdc, query.output, query.sink.path).map((r) => {
      const data = cdcDataColumns(r, r.output);
      return {
        sourceTable: r.sourceTable,
        reader: createChangeReader(r.source),
        data,
        outputColumns: data.map((f) => r.source.columns.findIndex((c) => c.name === f.name)),
        keyColumns: r.source.keys.map((k) => r.source.columns.findIndex((c) => c.name === k)),
        byPartition: Array.from({ length: P }, () => []),
      };
    });
    const R = routes.length;
    // Several tables: a reader of the envelope alone (no columns) finds each record's table and
    // reports the records that are no change at all; each route's reader then reports only the
    // problems of its own table's records (another table's record may well not fit its columns).
    const tableReader = R === 1 ? null : createChangeReader({ ...cdc.source, columns: [], keys: [] });
    const stats = emptyMapStats();
    let otherTables = 0;
    let routeMs = 0;
    const read = await readChunks(this.readers, this.storage, input, stats, this.log, (chunk, onBad): { value: { all: ChangeBatch | null; byRoute: ChangeBatch[] }; rows: number } => {
      if (tableReader === null) {
        const changes = routes[0].reader.decode(chunk, onBad);
        return { value: { all: null, byRoute: [changes] }, rows: changes.count };
      }
      const all = tableReader.decode(chunk, onBad);
      const tableOf = new Int32Array(chunk.count).fill(-1);
      for (let i = 0; i < all.count; i++) tableOf[all.recordIndex[i]] = all.table[i];
      const byRoute = routes.map((rt) => {
        const id = all.tables.indexOf(rt.sourceTable as string);
        return rt.reader.decode(chunk, (c, index, reason, detail) => { if (id >= 0 && tableOf[index] === id) onBad(c, index, reason, detail); });
      });
      return { value: { all, byRoute }, rows: all.count };
    }, ({ all, byRoute }, chunk) => {
      const tr = performance.now();
      routes.forEach((rt, r) => {
        const other = route(byRoute[r], chunk, rt.sourceTable, rt.keyColumns, rt.outputColumns, rt.data, P, rt.byPartition);
        if (all === null) otherTables += other;
      });
      if (all !== null) otherTables += unrouted(all, routes);
      routeMs += performance.now() - tr;
    });
    const te = performance.now();
    const encoded = routes.map((rt) => rt.byPartition.map((list) => {
      const rows = concatRows(rt.data, list);
      return { bytes: encodeChanges(rt.data, rows), rows: rows.count };
    }));
    const parts = R === 1 ? encoded[0] : Array.from({ length: P }, (_, p) => {
      const frames = encoded.map((e) => (e[p].rows === 0 ? { rows: 0, bytes: new Uint8Array(0) } : e[p]));
      return { bytes: encodeRouteFrames(frames), rows: frames.reduce((a, f) => a + f.rows, 0) };
    });
    routeMs += performance.now() - te;
    const tables = routes.map((r) => r.sourceTable).join(', ');
    if (otherTables > 0) this.log(`batch ${input.batchId} map task ${input.taskId}: ${otherTables} changes of tables other than ${tables} skipped`);
    const tombstones = (tableReader ?? routes[0].reader).skippedTombstones;
    if (tombstones > 0) this.log(`batch ${input.batchId} map task ${input.taskId}: ${tombstones} Debezium tombstones skipped`);
    stats.partialRows = parts.reduce((a, p) => a + p.rows, 0);
    // Rows sent by route r to shuffle partition p, at cdcStatePartition(r, p, P): the reduce reports them so.
    stats.sentRowsByPartition = encoded.flatMap((e) => e.map((p) => p.rows));
    const ts = Date.now();
    await this.sender.pushAll({ queryId: job.queryId, batchId: input.batchId, attempt: input.attempt, mapTaskId: input.taskId }, input.owners, parts);
    const shuffleMs = Date.now() - ts;
    const total = Date.now() - t0;
    stats.timingsMs = {
      fetch: Math.max(0, total - Math.round(read.decodeMs + routeMs) - shuffleMs),
      decode: Math.round(read.decodeMs),
      aggregate: Math.round(routeMs),
      shuffle: shuffleMs,
      total,
      steps: 0,
    };
    return { stats, quarantineAdds: read.quarantineAdds };
  }
}

/** One route of the map task: its table's reader, columns and the change rows gathered per shuffle partition. */
interface RouteSide {
  sourceTable: string | null;
  reader: ChangeReader;
  /** The source's columns in the table. */
  data: readonly SqlField[];
  outputColumns: number[];
  keyColumns: number[];
  byPartition: CdcRows[][];
}

/** Changes of `all` (every table's, from the envelope reader) whose table no route applies. */
function unrouted(all: ChangeBatch, routes: readonly RouteSide[]): number {
  const routed = new Uint8Array(all.tables.length);
  for (const r of routes) {
    const id = all.tables.indexOf(r.sourceTable as string);
    if (id >= 0) routed[id] = 1;
  }
  let n = 0;
  for (let i = 0; i < all.count; i++) if (routed[all.table[i]] === 0) n++;
  return n;
}

/** Appends one chunk's change rows to their partitions' lists (copied); returns how many were of other tables. */
function route(
  b: ChangeBatch, chunk: RecordChunk, sourceTable: string | null, keyColumns: readonly number[], outputColumns: readonly number[],
  data: readonly SqlField[], P: number, out: CdcRows[][],
): number {
  const n = b.count;
  if (n === 0) return 0;
  const wanted = sourceTable === null ? -1 : b.tables.indexOf(sourceTable);
  const h = new Int32Array(n).fill(SPARK_HASH_SEED);
  for (const k of keyColumns) hashColumn(b.row.columns[k], n, h);
  const lists: number[][] = Array.from({ length: P }, () => []);
  let other = 0;
  for (let i = 0; i < n; i++) {
    if (sourceTable !== null && b.table[i] !== wanted) { other++; continue; }
    if (b.op[i] === OP.TRUNCATE) {
      for (let p = 0; p < P; p++) lists[p].push(i);
      continue;
    }
    const r = h[i] % P;
    lists[r < 0 ? r + P : r].push(i);
  }
  const row: ColumnBatch = { count: n, schema: data, columns: outputColumns.map((c) => b.row.columns[c]) };
  for (let p = 0; p < P; p++) {
    if (lists[p].length === 0) continue;
    const picked = Int32Array.from(lists[p]);
    const m = picked.length;
    const tie = new Float64Array(m);
    for (let j = 0; j < m; j++) tie[j] = chunk.offset[b.recordIndex[picked[j]]];
    out[p].push({
      count: m,
      op: gather(b.op, picked, new Uint8Array(m)),
      posMajor: gather(b.posMajor, picked, new Float64Array(m)),
      posMinor: gather(b.posMinor, picked, new Float64Array(m)),
      opTime: Float64Array.from(picked, (i) => (b.opTimeValid[i] === 1 ? b.opTime[i] : NaN)),
      tie,
      present: outputColumns.map((c) => gather(b.present[c], picked, new Uint8Array(m))),
      row: takeRows(row, picked),
    });
  }
  return other;
}

function gather<T extends Uint8Array | Float64Array>(from: T, rows: Int32Array, into: T): T {
  for (let j = 0; j < rows.length; j++) into[j] = from[rows[j]];
  return into;
}

/** One partition's change rows of many chunks as one CdcRows (`data`: the source's columns in the table). */
export function concatRows(data: readonly SqlField[], list: readonly CdcRows[]): CdcRows {
  const n = list.reduce((a, r) => a + r.count, 0);
  const cat = <T extends Uint8Array | Float64Array>(make: (n: number) => T, pick: (r: CdcRows) => T): T => {
    const out = make(n);
    let at = 0;
    for (const r of list) { out.set(pick(r).subarray(0, r.count) as never, at); at += r.count; }
    return out;
  };
  return {
    count: n,
    op: cat((k) => new Uint8Array(k), (r) => r.op),
    posMajor: cat((k) => new Float64Array(k), (r) => r.posMajor),
    posMinor: cat((k) => new Float64Array(k), (r) => r.posMinor),
    opTime: cat((k) => new Float64Array(k), (r) => r.opTime),
    tie: cat((k) => new Float64Array(k), (r) => r.tie),
    present: data.map((_, c) => cat((k) => new Uint8Array(k), (r) => r.present[c])),
    row: concatBatches(data, list.map((r) => r.row)),
  };
}
