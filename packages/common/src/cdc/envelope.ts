/**
 * A change-event format as the JSON envelope around its row images: the decoding schema of a
 * record's value, and how to read each decoded row's operation, table, position and commit time
 * (goldengate-envelope.ts, debezium-envelope.ts). change-reader.ts does the rest, alike for both.
 */
import type { StructVector } from '../columns/vector';
import type { SqlField } from '../schema/sql-type';
import type { Op } from './change-batch';

export interface Envelope {
  /** The value's JSON schema; its `before` and `after` are structs of the table's columns (all nullable). */
  fields: SqlField[];
  /** Whether a column c of an image may carry `c_isMissing: true` (GoldenGate) meaning "not in this change". */
  missingFlags: boolean;
  /** Whether a tombstone (null value) is part of the format (Debezium's compaction markers): skipped, not bad. */
  tombstonesExpected: boolean;
  /** Row i's operation, or a text saying why it has none. */
  opOf(root: StructVector, i: number): Op | string;
  /** Writes row i's position to major[at], minor[at], or returns a text saying why it has none. */
  positionOf(root: StructVector, i: number, major: Float64Array, minor: Float64Array, at: number): string | null;
  /** Row i's source table as UTF-8 bytes [start, end) of `data`, or null when the event names none. */
  tableOf(root: StructVector, i: number): { data: Uint8Array; start: number; end: number } | null;
  /** Row i's commit time in µs, or NaN when unknown. */
  opTimeOf(root: StructVector, i: number): number;
}

/** The bytes of row i of a string child, or null when null. */
export function textOf(v: StructVector, child: number, i: number): { data: Uint8Array; start: number; end: number } | null {
  const s = v.children[child] as { validity: Uint8Array | null; offsets: Int32Array; data: Uint8Array };
  if (s.validity !== null && s.validity[i] === 0) return null;
  return { data: s.data, start: s.offsets[i], end: s.offsets[i + 1] };
}

/** Row i of a string child as one byte (its only byte), or -1 when null or not one byte long. */
export function letterOf(v: StructVector, child: number, i: number): number {
  const t = textOf(v, child, i);
  return t === null || t.end - t.start !== 1 ? -1 : t.data[t.start];
}

/** Row i of a string child as text, for messages. */
export function shown(v: StructVector, child: number, i: number): string {
  const t = textOf(v, child, i);
  return t === null ? 'null' : JSON.stringify(Buffer.from(t.data.subarray(t.start, t.end)).toString('utf8'));
}
