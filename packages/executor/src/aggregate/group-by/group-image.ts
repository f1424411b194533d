/**
 * A group table's whole state copied column at a time into memory reused from one snapshot to the
 * next (an "image"), and an image encoded as a state snapshot (group-partials/v1, group-codec.ts) on
 * another thread (state/snapshot-encoder.ts).
 *
 * A snapshot costs in proportion to the whole state, so the event loop pays only for the copy:
 * typed-array copies and strided word moves into buffers that are already mapped, no per-row
 * object, no allocation in proportion to the state. Turning the copy into Arrow's layouts happens on
 * the worker, in place in the same buffers (widening runs backwards, narrowing forwards), and the
 * Arrow columns are views of them: the encoded bytes are the only new memory a snapshot takes.
 *
 * Rows are the groups in id order (the order they entered state); loading the snapshot
 * (GroupStateTable.loadSnapshot) makes the same group ids again.
 *
 * Buffers (ImageBuffers, by name; column c of the layout's stateSchema):
 *   v<c>  values: what the copy writes, `rows` entries of
 *           window_start                   2 int32 words (int64 µs, little-endian) = Arrow's Timestamp
 *           key boolean, int, date         1 word (the key word)
 *           key long, timestamp, decimal   2 words (int64; a wide value's word is its index in the
 *                                          column's wide list, the worker writes its exact value)
 *           key double                     2 words (the IEEE bits)
 *           key string, binary             1 word (the id in the column's dictionary)
 *           aggregate state (numbers)      a float64 (exact integers, doubles, int32 types as doubles;
 *                                          NaN where the exact value is wide)
 *           aggregate state (bytes)        nothing (v<c> is empty): see d<c>, o<c>
 *         and room for Arrow's width where it is wider (decimal: 16 bytes per row).
 *   n<c>  validity, 1 byte per row (0 = null): nullable keys, aggregates other than count and hll
 *   d<c>, o<c>  a string or binary key's dictionary: its bytes, and its int32 offsets; a string
 *         min/max: the rows' bytes and their int32 offsets (Arrow's layout already); a sketch:
 *         the rows' registers, `width` bytes each (d<c> only; offsets are i·width)
 * Wide exact values (|v| ≥ 2^53, rare) travel in the message as [row, value] pairs.
 */
import * as arrow from 'apache-arrow';
import { setDecimal128Words, setInt64Words, SqlType } from '@tributary/common';
import { encodeGroupPartialsData } from './group-codec';
import { GroupLayout } from './group-layout';
import { GroupTable } from './group-table';
import { arrowType } from './arrow-columns';

/** Named buffers of an image; they travel to the worker and back by transfer. */
export type ImageBuffers = Record<string, ArrayBuffer>;

/** What the worker needs besides the buffers, per column of the layout's stateSchema. */
export interface ImageColumn {
  /** Whether n<c> holds the column's validity (else no row is null). */
  readonly hasValidity: boolean;
  /** [row, exact value] of the rows whose value is wide. */
  readonly wide: [number, bigint][];
  /** Values in the dictionary d<c>/o<c> (string and binary keys). */
  readonly dictionarySize: number;
  /** How d<c> holds an aggregate's bytes: 'rows' (offsets in o<c>), a sketch's width, or null. */
  readonly aggregateBytes: 'rows' | { width: number } | null;
}

/** An image as sent to the worker (structured clone; buffers by transfer). */
export interface GroupImage {
  readonly layout: GroupLayout;
  readonly rows: number;
  readonly columns: ImageColumn[];
  readonly buffers: ImageBuffers;
}

type Source = { kind: 'window' } | { kind: 'key'; key: number } | { kind: 'aggregate'; aggregate: number };

function sourceOf(layout: GroupLayout, c: number): Source {
  const w = layout.window === null ? 0 : 1;
  if (c < w) return { kind: 'window' };
  if (c < layout.groupColumns) return { kind: 'key', key: c - w };
  return { kind: 'aggregate', aggregate: c - layout.groupColumns };
}

/** Int32 words a key of type t takes in a key row (group-keys.ts). */
function keyWords(t: SqlType): number {
  return t.kind === 'long' || t.kind === 'timestamp' || t.kind === 'decimal' || t.kind === 'double' ? 2 : 1;
}

/** Bytes per row of v<c>: what the copy writes, or Arrow's width where that is more. */
function valueWidth(layout: GroupLayout, c: number): number {
  const s = sourceOf(layout, c);
  const t = layout.stateSchema[c].type;
  if (t.kind === 'decimal') return 16;
  if (s.kind === 'window') return 8;
  if (s.kind === 'key') return 4 * keyWords(t);
  return t.kind === 'string' || t.kind === 'binary' ? 0 : 8;
}

function hasValidityBuffer(layout: GroupLayout, c: number): boolean {
  const s = sourceOf(layout, c);
  if (s.kind === 'window') return false;
  if (s.kind === 'key') return layout.stateSchema[c].nullable;
  const kind = layout.parts[s.aggregate].kind;
  return kind !== 'count' && kind !== 'hll';
}

/**
 * Bytes each buffer needs for the table's state scaled by `factor` (1: exactly the state now; more
 * leaves room to grow), plus `padRows` rows.
 */
export function imageSizes(table: GroupTable, factor = 1, padRows = 0): Record<string, number> {
  const layout = table.layout;
  const rows = Math.ceil(table.size * factor) + padRows;
  const sizes: Record<string, number> = {};
  const keys = table.keys.keyColumns;
  for (let c = 0; c < layout.stateSchema.length; c++) {
    sizes[`v${c}`] = rows * valueWidth(layout, c);
    if (hasValidityBuffer(layout, c)) sizes[`n${c}`] = rows;
    const s = sourceOf(layout, c);
    const dict = s.kind === 'key' ? keys[s.key].dictionary : null;
    if (dict !== null) {
      sizes[`d${c}`] = Math.ceil(dict.offsets[dict.size] * factor) + 16 * padRows;
      sizes[`o${c}`] = 4 * (Math.ceil(dict.size * factor) + padRows + 1);
    }
    const a = s.kind === 'aggregate' ? table.accumulators[s.aggregate].arrays() : null;
    if (a !== null && a.kind === 'bytes') {
      let bytes = 0;
      for (let g = 0; g < table.size; g++) if (a.seen[g] === 1) bytes += a.length[g];
      sizes[`d${c}`] = Math.ceil(bytes * factor) + 16 * padRows;
      sizes[`o${c}`] = 4 * (rows + 1);
    } else if (a !== null && a.kind === 'registers') {
      sizes[`d${c}`] = rows * a.width;
    }
  }
  return sizes;
}

/** Whether `buffers` hold at least `sizes`. */
export function imageFits(buffers: ImageBuffers, sizes: Record<string, number>): boolean {
  for (const [name, bytes] of Object.entries(sizes)) if (buffers[name] === undefined || buffers[name].byteLength < bytes) return false;
  return true;
}

/** Fresh buffers of `sizes`, every page written once (so mapped now, not at the next copy). */
export function allocateImageBuffers(sizes: Record<string, number>): ImageBuffers {
  const buffers: ImageBuffers = {};
  for (const [name, bytes] of Object.entries(sizes)) {
    buffers[name] = new ArrayBuffer(bytes);
    new Uint8Array(buffers[name]).fill(0);
  }
  return buffers;
}

/**
 * Copies the whole table into `buffers` (which must fit imageSizes(table)): the image of the
 * table now, holding the buffers. Column at a time; nothing allocated in proportion to the state.
 */
export function copyGroupImage(table: GroupTable, buffers: ImageBuffers): GroupImage {
  const layout = table.layout;
  const sizes = imageSizes(table);
  if (!imageFits(buffers, sizes)) throw new RangeError('the image buffers do not fit the table');
  const n = table.size;
  const keys = table.keys;
  const kw = keys.rowWordsOfGroups;
  const W = keys.width;
  const columns: ImageColumn[] = [];
  for (let c = 0; c < layout.stateSchema.length; c++) {
    const s = sourceOf(layout, c);
    const values = buffers[`v${c}`];
    let hasValidity = false;
    let wide: [number, bigint][] = [];
    let dictionarySize = 0;
    let aggregateBytes: ImageColumn['aggregateBytes'] = null;
    if (s.kind === 'window') {
      copyWords(kw, W, keys.flagWordCount, 2, n, new Int32Array(values));
    } else if (s.kind === 'key') {
      const col = keys.keyColumns[s.key];
      copyWords(kw, W, col.offset, keyWords(col.field.type), n, new Int32Array(values));
      if (col.hasNull && layout.stateSchema[c].nullable) {
        hasValidity = true;
        const valid = new Uint8Array(buffers[`n${c}`]);
        const fw = col.flagWord;
        const bit = col.nullBit;
        for (let g = 0; g < n; g++) valid[g] = (kw[g * W + fw] & bit) === 0 ? 1 : 0;
      }
      if (col.wide.length > 0) {
        const fw = col.flagWord;
        const bit = col.wideBit;
        for (let g = 0; g < n; g++) if ((kw[g * W + fw] & bit) !== 0) wide.push([g, col.wide[kw[g * W + col.offset]]]);
      }
      const dict = col.dictionary;
      if (dict !== null) {
        dictionarySize = dict.size;
        new Uint8Array(buffers[`d${c}`]).set(dict.data.subarray(0, dict.offsets[dict.size]));
        new Int32Array(buffers[`o${c}`]).set(dict.offsets.subarray(0, dict.size + 1));
      }
    } else {
      const a = table.accumulators[s.aggregate].arrays();
      if (a.kind === 'numbers') {
        new Float64Array(values, 0, n).set(a.values.subarray(0, n));
        if (a.seen !== null) {
          hasValidity = true;
          new Uint8Array(buffers[`n${c}`], 0, n).set(a.seen.subarray(0, n));
        }
        if (a.wide !== null && a.wide.size > 0) {
          wide = [];
          for (const [g, v] of a.wide) if (g < n && a.values[g] !== a.values[g]) wide.push([g, v]);
        }
      } else if (a.kind === 'bytes') {
        hasValidity = true;
        new Uint8Array(buffers[`n${c}`], 0, n).set(a.seen.subarray(0, n));
        const data = new Uint8Array(buffers[`d${c}`]);
        const offsets = new Int32Array(buffers[`o${c}`], 0, n + 1);
        offsets[0] = 0;
        for (let g = 0; g < n; g++) {
          const len = a.seen[g] === 1 ? a.length[g] : 0;
          if (len > 0) data.set(a.data.subarray(a.start[g], a.start[g] + len), offsets[g]);
          offsets[g + 1] = offsets[g] + len;
        }
        aggregateBytes = 'rows';
      } else {
        new Uint8Array(buffers[`d${c}`], 0, n * a.width).set(a.data.subarray(0, n * a.width));
        aggregateBytes = { width: a.width };
      }
    }
    columns.push({ hasValidity, wide, dictionarySize, aggregateBytes });
  }
  return { layout, rows: n, columns, buffers };
}

/** dst[g·k + j] = kw[g·W + offset + j] for j < k, groups 0..n−1. */
function copyWords(kw: Int32Array, W: number, offset: number, k: number, n: number, dst: Int32Array): void {
  if (k === 1) {
    for (let g = 0, at = offset; g < n; g++, at += W) dst[g] = kw[at];
  } else {
    for (let g = 0, at = offset; g < n; g++, at += W) {
      dst[2 * g] = kw[at];
      dst[2 * g + 1] = kw[at + 1];
    }
  }
}

/**
 * The image as snapshot bytes (group-partials/v1 of its rows). Runs on the snapshot worker: turns
 * the buffers into Arrow's layouts in place (their content is spent afterwards; they go back to be
 * copied into again).
 */
export function encodeGroupImage(image: GroupImage): Uint8Array {
  const { layout, rows: n, buffers } = image;
  const children = layout.stateSchema.map((f, c) => arrowColumn(layout, c, f.type, image.columns[c], buffers, n));
  return encodeGroupPartialsData(layout, n, children);
}

function arrowColumn(layout: GroupLayout, c: number, t: SqlType, col: ImageColumn, buffers: ImageBuffers, n: number): arrow.Data {
  const type = arrowType(t);
  let nullCount = 0;
  let nullBitmap: Uint8Array | undefined;
  if (col.hasValidity) {
    const bytes = new Uint8Array(buffers[`n${c}`], 0, n);
    nullCount = packBits(bytes, n);
    nullBitmap = nullCount === 0 ? undefined : bytes.subarray(0, (n + 7) >> 3);
  }
  const base = { type, length: n, nullCount, nullBitmap } as const;
  const buffer = buffers[`v${c}`];
  const s = sourceOf(layout, c);
  const f64 = s.kind === 'aggregate';
  switch (t.kind) {
    case 'boolean': {
      const bits = new Uint8Array((n + 7) >> 3);
      const src = f64 ? new Float64Array(buffer, 0, n) : new Int32Array(buffer, 0, n);
      for (let i = 0; i < n; i++) if (src[i] !== 0) bits[i >> 3] |= 1 << (i & 7);
      return arrow.makeData({ ...base, type: type as arrow.Bool, data: bits });
    }
    case 'int':
    case 'date': {
      const out = new Int32Array(buffer, 0, n);
      if (f64) {
        const src = new Float64Array(buffer, 0, n);
        for (let i = 0; i < n; i++) out[i] = src[i]; // forwards: word i lies below double i + 1
      }
      return arrow.makeData({ ...base, type: type as arrow.Int32, data: out });
    }
    case 'double':
      return arrow.makeData({ ...base, type: type as arrow.Float64, data: new Float64Array(buffer, 0, n) });
    case 'long':
    case 'timestamp': {
      const words = new Uint32Array(buffer, 0, 2 * n);
      if (f64) {
        const src = new Float64Array(buffer, 0, n);
        for (let i = 0; i < n; i++) {
          const x = src[i];
          setInt64Words(words, i, x === x ? x : 0);
        }
      }
      for (const [row, v] of col.wide) setWords(words, row, 2, v);
      return arrow.makeData({ ...base, type: type as arrow.Int64, data: new BigInt64Array(buffer, 0, n) });
    }
    case 'decimal': {
      const words = new Uint32Array(buffer, 0, 4 * n);
      if (f64) {
        const src = new Float64Array(buffer, 0, n);
        // backwards: row i's 16 bytes start at or after the 8 of every row before it
        for (let i = n - 1; i >= 0; i--) {
          const x = src[i];
          setDecimal128Words(words, i, x === x ? x : 0);
        }
      } else {
        const src = new Int32Array(buffer, 0, 2 * n);
        for (let i = n - 1; i >= 0; i--) {
          const lo = src[2 * i];
          const hi = src[2 * i + 1];
          words[4 * i] = lo;
          words[4 * i + 1] = hi;
          words[4 * i + 2] = hi >> 31;
          words[4 * i + 3] = hi >> 31;
        }
      }
      for (const [row, v] of col.wide) setWords(words, row, 4, v);
      return arrow.makeData({ ...base, type: type as arrow.Decimal, data: words });
    }
    case 'string':
    case 'binary': {
      if (col.aggregateBytes === 'rows') {
        const offsets = new Int32Array(buffers[`o${c}`], 0, n + 1);
        return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: offsets, data: new Uint8Array(buffers[`d${c}`], 0, offsets[n]) });
      }
      if (col.aggregateBytes !== null) {
        const w = col.aggregateBytes.width;
        const offsets = new Int32Array(n + 1);
        for (let i = 0; i <= n; i++) offsets[i] = i * w;
        return arrow.makeData({ ...base, type: type as arrow.Binary, valueOffsets: offsets, data: new Uint8Array(buffers[`d${c}`], 0, n * w) });
      }
      const ids = new Int32Array(buffer, 0, n);
      const dictOffsets = new Int32Array(buffers[`o${c}`], 0, col.dictionarySize + 1);
      const dictData = new Uint8Array(buffers[`d${c}`]);
      const valid = nullBitmap;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) {
        const isNull = valid !== undefined && ((valid[i >> 3] >> (i & 7)) & 1) === 0;
        offsets[i + 1] = offsets[i] + (isNull ? 0 : dictOffsets[ids[i] + 1] - dictOffsets[ids[i]]);
      }
      const data = new Uint8Array(offsets[n]);
      for (let i = 0; i < n; i++) {
        const len = offsets[i + 1] - offsets[i];
        if (len > 0) data.set(dictData.subarray(dictOffsets[ids[i]], dictOffsets[ids[i]] + len), offsets[i]);
      }
      return arrow.makeData({ ...base, type: type as arrow.Utf8, valueOffsets: offsets, data });
    }
    default:
      throw new RangeError(`column ${layout.stateSchema[c].name} has type ${t.kind}, not a state column type`);
  }
}

/** Packs bytes[0..n) (1 = valid) into an Arrow bitmap at the start of the same memory; returns the nulls. */
function packBits(bytes: Uint8Array, n: number): number {
  let nulls = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const v = bytes[i];
    if (v === 0) nulls++;
    else acc |= 1 << (i & 7);
    if ((i & 7) === 7 || i === n - 1) {
      bytes[i >> 3] = acc; // byte i >> 3 was read already (i >> 3 ≤ i)
      acc = 0;
    }
  }
  return nulls;
}

function setWords(words: Uint32Array, i: number, per: number, v: bigint): void {
  const u = BigInt.asUintN(32 * per, v);
  for (let w = 0; w < per; w++) words[per * i + w] = Number((u >> BigInt(32 * w)) & 0xffffffffn);
}
