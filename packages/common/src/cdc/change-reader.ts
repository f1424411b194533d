/**
 * Kafka records of change events → ChangeBatch (change-batch.ts), for either format (envelope.ts).
 * The value is decoded by the struct decoder (one pass, no object per row, keys' presence tracked
 * for partial images); then, row by row over its columns, each event's operation, table, position
 * and commit time are read and its row image is gathered column by column. Each record that cannot
 * be a change goes to `onBad` with a reason (the decoder's, or one of these):
 *
 *   WRONG_TYPE      an unknown operation, or a position that is not one (not digits, …)
 *   MISSING_FIELD   no key in the image the operation needs (after for I/U, before for D), no
 *                   position, no table, or a primary-key update whose after-image is partial
 *   NULL_FIELD      a key column is null
 *
 * Debezium's tombstones (null values after a delete, for log compaction) are skipped and counted.
 */
import type { ColumnBatch, StructVector } from '../columns/vector';
import type { BadRecordSink } from '../decode/bad-reason';
import { createStructDecoder, type StructDecoder } from '../decode/struct-decoder';
import type { RecordChunk } from '../kafka/record-chunk';
import type { ScanSpec } from '../plan/resolved-query';
import { sqlField, structType, type SqlField } from '../schema/sql-type';
import { type ChangeBatch, OP } from './change-batch';
import type { ChangeSourceSpec } from './cdc-spec';
import { debeziumEnvelope } from './debezium-envelope';
import type { Envelope } from './envelope';
import { goldenGateEnvelope } from './goldengate-envelope';
import { gatherImages, has, sameValue } from './row-images';

export function createChangeReader(spec: ChangeSourceSpec): ChangeReader {
  return new ChangeReader(spec, spec.format === 'goldengate' ? goldenGateEnvelope(spec) : debeziumEnvelope(spec));
}

export class ChangeReader {
  private readonly decoder: StructDecoder;
  private readonly keyColumns: number[];
  private readonly columns: SqlField[];
  private readonly beforeField: number;
  private readonly afterField: number;
  /** Source tables seen, by name; ids are stable for the reader's life. */
  private readonly tableIds = new Map<string, number>();
  private readonly tables: string[] = [];
  /** Debezium tombstones skipped so far. */
  skippedTombstones = 0;

  constructor(readonly spec: ChangeSourceSpec, private readonly envelope: Envelope) {
    this.columns = spec.columns;
    this.keyColumns = spec.keys.map((k) => {
      const c = spec.columns.findIndex((f) => f.name === k);
      if (c < 0) throw new RangeError(`key ${k} is not a column of the change source`);
      return c;
    });
    const scan: ScanSpec = {
      kafkaColumns: [],
      json: { schema: envelope.fields, timeZone: spec.timeZone },
      schema: [sqlField('event', structType(envelope.fields), false)],
      maxValueBytes: spec.maxValueBytes,
    };
    this.decoder = createStructDecoder(scan, { trackPresence: ['before', 'after'] });
    this.beforeField = envelope.fields.findIndex((f) => f.name === 'before');
    this.afterField = envelope.fields.findIndex((f) => f.name === 'after');
  }

  decode(chunk: RecordChunk, onBad: BadRecordSink): ChangeBatch {
    const env = this.envelope;
    const decoded = this.decoder.decode(chunk, (c, index, reason, detail) => {
      if (reason === 'TOMBSTONE' && env.tombstonesExpected) this.skippedTombstones++;
      else onBad(c, index, reason, detail);
    });
    const n = decoded.count;
    const records = decoded.recordIndex as Int32Array;
    const root = decoded.columns[0] as StructVector;
    const before = root.children[this.beforeField] as StructVector;
    const after = root.children[this.afterField] as StructVector;
    const presentBefore = this.decoder.presence('before');
    const presentAfter = this.decoder.presence('after');
    const C = this.columns.length;
    const missingFlag = (image: StructVector, c: number, i: number): boolean => {
      if (!env.missingFlags) return false;
      const flag = image.children[C + c] as { validity: Uint8Array | null; values: Uint8Array };
      return (flag.validity === null || flag.validity[i] === 1) && flag.values[i] === 1;
    };
    const carries = (image: StructVector, present: readonly Uint8Array[], c: number, i: number): boolean => present[c][i] === 1 && !missingFlag(image, c, i);

    // Output rows: at most two per event (a key update).
    const cap = 2 * n;
    const op = new Uint8Array(cap);
    const table = new Int32Array(cap);
    const posMajor = new Float64Array(cap);
    const posMinor = new Float64Array(cap);
    const opTime = new Float64Array(cap);
    const opTimeValid = new Uint8Array(cap);
    const recordIndex = new Int32Array(cap);
    const present = this.columns.map(() => new Uint8Array(cap));
    const picks = this.columns.map(() => new Int32Array(cap));
    let out = 0;
    let lastTable: { data: Uint8Array; start: number; end: number } | null = null;
    let lastTableId = -1;

    const bad = (i: number, reason: 'WRONG_TYPE' | 'MISSING_FIELD' | 'NULL_FIELD', text: string) => onBad(chunk, records[i], reason, () => text);
    /** The key problem of an image at row i, or null when every key column is there and not null. */
    const keyProblem = (image: StructVector, presentOf: readonly Uint8Array[], i: number, name: string): ['MISSING_FIELD' | 'NULL_FIELD', string] | null => {
      for (const c of this.keyColumns) {
        if (!carries(image, presentOf, c, i)) return ['MISSING_FIELD', `the ${name} image has no key column ${this.columns[c].name}`];
        if (!has(image.children[c], i)) return ['NULL_FIELD', `key column ${this.columns[c].name} of the ${name} image is null`];
      }
      return null;
    };
    const emit = (i: number, o: number, from: 'after' | 'before', carried: 'all' | 'none' | 'image'): void => {
      const base = from === 'after' ? i : n + i;
      for (let c = 0; c < C; c++) {
        picks[c][out] = base;
        present[c][out] = carried === 'all' ? 1 : carried === 'none' ? 0 : carries(after, presentAfter, c, i) ? 1 : 0;
      }
      for (const c of this.keyColumns) present[c][out] = carried === 'none' && o === OP.TRUNCATE ? 0 : 1;
      op[out] = o;
      table[out] = lastTableId;
      recordIndex[out] = records[i];
      out++;
    };

    for (let i = 0; i < n; i++) {
      const o = env.opOf(root, i);
      if (typeof o === 'string') { bad(i, 'WRONG_TYPE', o); continue; }
      const t = env.tableOf(root, i);
      if (t === null) { bad(i, 'MISSING_FIELD', 'the event names no source table'); continue; }
      const problem = env.positionOf(root, i, posMajor, posMinor, out);
      if (problem !== null) { bad(i, problem.startsWith('the event') || problem.includes('missing') ? 'MISSING_FIELD' : 'WRONG_TYPE', problem); continue; }
      const time = env.opTimeOf(root, i);
      let keyUpdate = false;
      if (o === OP.INSERT || o === OP.UPDATE) {
        const p = keyProblem(after, presentAfter, i, 'after');
        if (p !== null) { bad(i, p[0], p[1]); continue; }
        if (o === OP.UPDATE && keyProblem(before, presentBefore, i, 'before') === null) {
          keyUpdate = this.keyColumns.some((c) => !sameValue(before.children[c], i, after.children[c], i));
        }
        if (keyUpdate) {
          const partial = this.columns.findIndex((_, c) => !carries(after, presentAfter, c, i));
          if (partial >= 0) { bad(i, 'MISSING_FIELD', `a primary-key update must carry the whole after image; it has no ${this.columns[partial].name}`); continue; }
        }
      } else if (o === OP.DELETE) {
        const p = keyProblem(before, presentBefore, i, 'before');
        if (p !== null) { bad(i, p[0], p[1]); continue; }
      }
      if (lastTable === null || !sameBytes(lastTable, t)) {
        const name = Buffer.from(t.data.subarray(t.start, t.end)).toString('utf8');
        let id = this.tableIds.get(name);
        if (id === undefined) {
          id = this.tables.length;
          this.tables.push(name);
          this.tableIds.set(name, id);
        }
        lastTableId = id;
        lastTable = { data: t.data.slice(t.start, t.end), start: 0, end: t.end - t.start };
      }
      const at = out;
      if (keyUpdate) {
        // DELETE of the old key, then INSERT of the new row, both at the event's position.
        emit(i, OP.DELETE, 'before', 'none');
        posMajor[out] = posMajor[at];
        posMinor[out] = posMinor[at];
        emit(i, OP.INSERT, 'after', 'all');
      } else if (o === OP.DELETE) emit(i, o, 'before', 'none');
      else if (o === OP.TRUNCATE) emit(i, o, 'after', 'none');
      else emit(i, o, 'after', o === OP.INSERT ? 'all' : 'image');
      for (let k = at; k < out; k++) {
        opTime[k] = Number.isNaN(time) ? 0 : time;
        opTimeValid[k] = Number.isNaN(time) ? 0 : 1;
      }
    }
    const row: ColumnBatch = gatherImages(this.columns, after, before, n, picks.map((p) => p.subarray(0, out)));
    return {
      count: out,
      op: op.subarray(0, out),
      table: table.subarray(0, out),
      tables: this.tables,
      posMajor: posMajor.subarray(0, out),
      posMinor: posMinor.subarray(0, out),
      opTime: opTime.subarray(0, out),
      opTimeValid: opTimeValid.subarray(0, out),
      row,
      present: present.map((p) => p.subarray(0, out)),
      recordIndex: recordIndex.subarray(0, out),
    };
  }
}

function sameBytes(a: { data: Uint8Array; start: number; end: number }, b: { data: Uint8Array; start: number; end: number }): boolean {
  if (a.end - a.start !== b.end - b.start) return false;
  for (let k = 0; k < a.end - a.start; k++) if (a.data[a.start + k] !== b.data[b.start + k]) return false;
  return true;
}
