/**
 * The routing half of a CDC map task (cdc-map-task.ts): each chunk's records read as change rows
 * and each route's rows gathered per shuffle partition of its keys (Spark's pmod(hash(keys…), P));
 * `finish` encodes one message per partition — cdc-changes/v1 for a query of one table, cdc-routes/v1
 * (cdc-route-frames.ts) holding every route's rows for several. A truncate has no key: it goes to
 * every partition of its table's route.
 *
 * Several tables: a reader of the envelope alone (no columns) finds each record's table and reports
 * the records that are no change at all; each route's reader (its own columns and keys) then reports
 * only the problems of its own table's records, since another table's record may well not fit its
 * columns. So each bad record is reported once. Changes of tables no route names are counted.
 */
import {
  cdcDataColumns, cdcRoutes, CdcSpec, ChangeBatch, ChangeReader, ColumnBatch, concatBatches, createChangeReader, OP, RecordChunk, SqlField, takeRows,
} from '@tributary/common';
import type { BadRecordSink } from '@tributary/common';
import { SPARK_HASH_SEED } from '../aggregate/group-by';
import { hashColumn } from '../aggregate/group-by/group-partition';
import type { CdcRows } from './apply-changes';
import { encodeChanges } from './cdc-codec';
import { encodeRouteFrames } from './cdc-route-frames';

/** A chunk's change rows: every table's (from the envelope reader; null for one table) and each route's. */
export interface DecodedChanges { all: ChangeBatch | null; byRoute: ChangeBatch[] }

export class CdcRouter {
  private readonly routes: RouteSide[];
  private readonly tableReader: ChangeReader | null;
  private otherTables = 0;

  constructor(cdc: CdcSpec, output: readonly SqlField[], sinkPath: string, private readonly P: number) {
    this.routes = cdcRoutes(cdc, output, sinkPath).map((r) => {
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
    this.tableReader = this.routes.length === 1 ? null : createChangeReader({ ...cdc.source, columns: [], keys: [] });
  }

  /** Reads a chunk; the value is a view of the readers' buffers, valid until the next decode. `rows`: the valid changes. */
  decode(chunk: RecordChunk, onBad: BadRecordSink): { value: DecodedChanges; rows: number } {
    if (this.tableReader === null) {
      const changes = this.routes[0].reader.decode(chunk, onBad);
      return { value: { all: null, byRoute: [changes] }, rows: changes.count };
    }
    const all = this.tableReader.decode(chunk, onBad);
    const tableOf = new Int32Array(chunk.count).fill(-1);
    for (let i = 0; i < all.count; i++) tableOf[all.recordIndex[i]] = all.table[i];
    const byRoute = this.routes.map((rt) => {
      const id = all.tables.indexOf(rt.sourceTable as string);
      return rt.reader.decode(chunk, (c, index, reason, detail) => { if (id >= 0 && tableOf[index] === id) onBad(c, index, reason, detail); });
    });
    return { value: { all, byRoute }, rows: all.count };
  }

  /** Copies a decoded chunk's rows of each route to its partitions' lists. */
  route(changes: DecodedChanges, chunk: RecordChunk): void {
    this.routes.forEach((rt, r) => {
      const other = route(changes.byRoute[r], chunk, rt.sourceTable, rt.keyColumns, rt.outputColumns, rt.data, this.P, rt.byPartition);
      if (changes.all === null) this.otherTables += other;
    });
    if (changes.all !== null) this.otherTables += unrouted(changes.all, this.routes);
  }

  /**
   * The message of each shuffle partition, and the rows sent: route r's to partition p at r·P + p
   * (cdcStatePartition, as the reduce reports them); changes of other tables; tombstones skipped.
   */
  finish(): { parts: { bytes: Uint8Array; rows: number }[]; sentRowsByPartition: number[]; otherTables: number; skippedTombstones: number; tables: string[] } {
    const encoded = this.routes.map((rt) => rt.byPartition.map((list) => {
      const rows = concatRows(rt.data, list);
      return { bytes: encodeChanges(rt.data, rows), rows: rows.count };
    }));
    const parts = this.routes.length === 1 ? encoded[0] : Array.from({ length: this.P }, (_, p) => {
      const frames = encoded.map((e) => (e[p].rows === 0 ? { rows: 0, bytes: new Uint8Array(0) } : e[p]));
      return { bytes: encodeRouteFrames(frames), rows: frames.reduce((a, f) => a + f.rows, 0) };
    });
    return {
      parts,
      sentRowsByPartition: encoded.flatMap((e) => e.map((p) => p.rows)),
      otherTables: this.otherTables,
      skippedTombstones: (this.tableReader ?? this.routes[0].reader).skippedTombstones,
      tables: this.routes.map((r) => r.sourceTable ?? 'every table'),
    };
  }
}

/** One route: its table's reader, columns and the change rows gathered per shuffle partition. */
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
