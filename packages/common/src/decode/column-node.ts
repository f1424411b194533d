/**
 * The decoder's writable view of one column vector (columns/vector.ts): a node per SqlType node of
 * the scan schema, holding the typed arrays it writes by slot, growing them (at least doubling)
 * when a slot or a byte lies beyond their capacity, and publishing them into its Vector when a
 * chunk is done. Every node has the same shape, so the decoder's accesses stay monomorphic.
 *
 * Slots: a top-level column's slot is the row; a struct's children share the struct's slot; an
 * array's elements for slot i are element slots offsets[i] .. offsets[i+1]. Writing slot i of a
 * string, binary or array node starts at offsets[i] and sets offsets[i+1], so writing a slot again
 * (a duplicate key) or dropping a bad record needs no undo: the next write starts from the same
 * place and what lies beyond the committed rows is never read.
 */
import { InvalidArgumentError } from '../errors';
import type { SqlField, SqlType } from '../schema/sql-type';
import type { Vector } from '../columns/vector';
import type { FieldProblem } from './struct-problem';

export const enum Kind {
  BOOLEAN = 0,
  INT,
  LONG,
  DOUBLE,
  STRING,
  BINARY,
  DECIMAL,
  TIMESTAMP,
  DATE,
  STRUCT,
  ARRAY,
}

const KIND_OF: Record<SqlType['kind'], Kind> = {
  boolean: Kind.BOOLEAN,
  int: Kind.INT,
  long: Kind.LONG,
  double: Kind.DOUBLE,
  string: Kind.STRING,
  binary: Kind.BINARY,
  decimal: Kind.DECIMAL,
  timestamp: Kind.TIMESTAMP,
  date: Kind.DATE,
  struct: Kind.STRUCT,
  array: Kind.ARRAY,
};

const EMPTY_U8 = new Uint8Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

export class ColumnNode {
  readonly kind: Kind;
  /** Path segment in bad-record details: the field name, or '' for array elements and the root. */
  readonly name: string;
  readonly nullable: boolean;
  capacity = 0;
  /** boolean: 0/1. */
  u8: Uint8Array = EMPTY_U8;
  /** int, date. */
  i32: Int32Array = EMPTY_I32;
  /** long, double, decimal (unscaled), timestamp (µs). */
  f64: Float64Array = EMPTY_F64;
  validity: Uint8Array | null = null;
  /**
   * Whether a null was written since clear(): when none was, the published vector's validity is
   * null (all valid), which lets filters, keys and aggregates take their no-null loops.
   */
  private wroteNull = false;
  /** string, binary, array: capacity + 1 entries. */
  offsets: Int32Array = EMPTY_I32;
  /** string, binary: the bytes. */
  data: Uint8Array = EMPTY_U8;
  /** long, decimal: exact values of |v| >= 2^53 by slot (values holds NaN there). */
  wide: Map<number, bigint> | null = null;
  // decimal(p,s)
  readonly precision: number;
  readonly scale: number;
  /** Whether plain-number.ts's scanPlainUnscaled may read this decimal (1 <= p-s, p <= 15). */
  readonly plainDecimal: boolean;
  // struct: children and the key lookup (by byte length, then bytes)
  readonly children: ColumnNode[] = [];
  readonly keys: Uint8Array[] = [];
  /** Per field: its name's bytes as little-endian 4-byte words (the last one ends at the name's end). */
  keyWords: Int32Array[] = [];
  byLength: Int32Array = EMPTY_I32;
  /**
   * Key prediction: records of a topic mostly list their fields in one order, so the field expected
   * after field f is the one that followed it last time (nextField[f + 1]; nextField[0]: the first
   * one), −1 when none is known. A predicted name is matched by its bytes and the closing quote.
   */
  nextField: Int32Array = EMPTY_I32;
  /** Per field: whether its name can be matched by its bytes alone (no '"', '\\' or control byte in it). */
  predictable: Uint8Array = EMPTY_U8;
  nextSameLength: Int32Array = EMPTY_I32;
  /** Per field, while an object of this struct is being decoded: MISSING/PRESENT/NULL/BAD. */
  state: Uint8Array = EMPTY_U8;
  /** Per field: its problem when its state is BAD (bad path only). */
  problems: (FieldProblem | null)[] = [];
  // array
  readonly element: ColumnNode | null;
  readonly vector: Vector;

  constructor(readonly type: SqlType, name: string, nullable: boolean) {
    this.kind = KIND_OF[type.kind];
    this.name = name;
    this.nullable = nullable;
    this.precision = type.kind === 'decimal' ? type.precision : 0;
    this.scale = type.kind === 'decimal' ? type.scale : 0;
    if (type.kind === 'decimal') {
      const { precision: p, scale: s } = type;
      if (!(Number.isInteger(p) && Number.isInteger(s) && p >= 1 && p <= 38 && s >= 0 && s <= p)) {
        throw new InvalidArgumentError(`unsupported decimal(${p},${s}): need 1 <= p <= 38 and 0 <= s <= p`);
      }
    }
    this.plainDecimal = this.precision <= 15 && this.precision - this.scale >= 1;
    this.element = type.kind === 'array' ? new ColumnNode(type.element, '', type.containsNull) : null;
    if (type.kind === 'struct') this.setFields(type.fields);
    this.vector = this.newVector();
  }

  private setFields(fields: readonly SqlField[]): void {
    const names = new Set<string>();
    let maxLength = 0;
    for (const f of fields) {
      if (names.has(f.name)) throw new InvalidArgumentError(`duplicate field name ${JSON.stringify(f.name)} in a struct`);
      names.add(f.name);
      this.children.push(new ColumnNode(f.type, f.name, f.nullable));
      const key = Buffer.from(f.name, 'utf8');
      this.keys.push(key);
      const words = new Int32Array(Math.ceil(key.length / 4));
      for (let w = 0; w < words.length; w++) {
        const at = Math.min(w * 4, key.length - 4);
        words[w] = at < 0 ? 0 : key.readInt32LE(at);
      }
      this.keyWords.push(words);
      maxLength = Math.max(maxLength, key.length);
    }
    this.byLength = new Int32Array(maxLength + 1).fill(-1);
    this.nextSameLength = new Int32Array(fields.length).fill(-1);
    for (let f = fields.length - 1; f >= 0; f--) {
      const len = this.keys[f].length;
      this.nextSameLength[f] = this.byLength[len];
      this.byLength[len] = f;
    }
    this.nextField = new Int32Array(fields.length + 1).fill(-1);
    this.predictable = new Uint8Array(fields.length);
    for (let f = 0; f < fields.length; f++) this.predictable[f] = this.keys[f].every((c) => c >= 0x20 && c !== 0x22 && c !== 0x5c) ? 1 : 0;
    this.state = new Uint8Array(fields.length);
    this.problems = new Array(fields.length).fill(null);
  }

  /**
   * Whether the key starting at b[start] (after its opening quote) is field f's name, closed by a
   * quote before `end`: its bytes compared 4 at a time, as fieldOfBytes.
   */
  keyIs(f: number, b: Uint8Array, start: number, end: number): boolean {
    const key = this.keys[f];
    const len = key.length;
    const close = start + len;
    if (close >= end || b[close] !== 0x22 || this.predictable[f] === 0) return false;
    if (len < 4) {
      for (let i = 0; i < len; i++) if (key[i] !== b[start + i]) return false;
      return true;
    }
    const words = this.keyWords[f];
    const last = close - 4;
    let w = 0;
    for (let at = start; at < last; at += 4, w++) if (word(b, at) !== words[w]) return false;
    return word(b, last) === words[w];
  }

  /** The field whose name is the key bytes b[start..end), or -1. */
  fieldOfBytes(b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len >= this.byLength.length) return -1;
    let f = this.byLength[len];
    if (len < 4) {
      while (f >= 0) {
        const key = this.keys[f];
        let i = 0;
        while (i < len && key[i] === b[start + i]) i++;
        if (i === len) return f;
        f = this.nextSameLength[f];
      }
      return -1;
    }
    // Names of 4 bytes or more: compare 4-byte words, the last one overlapping to end at the name's end.
    const last = end - 4;
    while (f >= 0) {
      const words = this.keyWords[f];
      let w = 0;
      let at = start;
      for (; at < last; at += 4, w++) if (word(b, at) !== words[w]) break;
      if (at >= last && word(b, last) === words[w]) return f;
      f = this.nextSameLength[f];
    }
    return -1;
  }

  /** The field named by a key text (keys with escapes, the slow path), or -1. */
  fieldOfText(key: string): number {
    const bytes = Buffer.from(key, 'utf8');
    return this.fieldOfBytes(bytes, 0, bytes.length);
  }

  private newVector(): Vector {
    const type = this.type as never;
    switch (this.kind) {
      case Kind.BOOLEAN:
        return { type, validity: null, values: this.u8 };
      case Kind.INT:
      case Kind.DATE:
        return { type, validity: null, values: this.i32 };
      case Kind.DOUBLE:
        return { type, validity: null, values: this.f64 };
      case Kind.LONG:
      case Kind.DECIMAL:
      case Kind.TIMESTAMP:
        return { type, validity: null, values: this.f64, wide: null };
      case Kind.STRING:
      case Kind.BINARY:
        return { type, validity: null, offsets: this.offsets, data: this.data };
      case Kind.STRUCT:
        return { type, validity: null, children: this.children.map((c) => c.vector) };
      case Kind.ARRAY:
        return { type, validity: null, offsets: this.offsets, element: this.element!.vector };
    }
  }

  /**
   * Makes slots 0..slots-1 writable, here and in the struct children that share the slots (array
   * elements grow on their own). Keeps slots 0..keep-1 and offsets[0..keep].
   */
  ensureSlots(slots: number, keep: number): void {
    if (slots <= this.capacity) return;
    const next = Math.max(slots, this.capacity * 2, 16);
    switch (this.kind) {
      case Kind.BOOLEAN:
        this.u8 = grown(new Uint8Array(next), this.u8, keep);
        break;
      case Kind.INT:
      case Kind.DATE:
        this.i32 = grown(new Int32Array(next), this.i32, keep);
        break;
      case Kind.LONG:
      case Kind.DOUBLE:
      case Kind.DECIMAL:
      case Kind.TIMESTAMP:
        this.f64 = grown(new Float64Array(next), this.f64, keep);
        break;
      case Kind.STRING:
      case Kind.BINARY:
      case Kind.ARRAY:
        this.offsets = grown(new Int32Array(next + 1), this.offsets, this.capacity === 0 ? 0 : keep + 1);
        if (this.data.length === 0 && this.kind !== Kind.ARRAY) this.data = new Uint8Array(Math.max(64, next * 8));
        break;
      case Kind.STRUCT:
        for (const c of this.children) c.ensureSlots(next, keep);
        break;
    }
    if (this.nullable) this.validity = grown(new Uint8Array(next), this.validity ?? EMPTY_U8, keep);
    this.capacity = next;
  }

  /** Makes data[0..bytes) writable, keeping data[0..keep). */
  ensureData(bytes: number, keep: number): void {
    if (bytes <= this.data.length) return;
    this.data = grown(new Uint8Array(Math.max(bytes, this.data.length * 2)), this.data, keep);
  }

  /** Writes null into a slot (validity 0, value 0 or an empty span; struct children too). */
  writeNull(slot: number): void {
    if (this.validity !== null) {
      this.validity[slot] = 0;
      this.wroteNull = true;
    }
    switch (this.kind) {
      case Kind.BOOLEAN:
        this.u8[slot] = 0;
        break;
      case Kind.INT:
      case Kind.DATE:
        this.i32[slot] = 0;
        break;
      case Kind.LONG:
      case Kind.DECIMAL:
        if (this.wide !== null) this.wide.delete(slot);
        this.f64[slot] = 0;
        break;
      case Kind.DOUBLE:
      case Kind.TIMESTAMP:
        this.f64[slot] = 0;
        break;
      case Kind.STRING:
      case Kind.BINARY:
      case Kind.ARRAY:
        this.offsets[slot + 1] = this.offsets[slot];
        break;
      case Kind.STRUCT:
        for (const c of this.children) c.writeNull(slot);
        break;
    }
  }

  /** Sets a wide (|v| >= 2^53) exact value: NaN in the values, the bigint in `wide`. */
  writeWide(slot: number, v: bigint): void {
    this.f64[slot] = NaN;
    (this.wide ??= new Map()).set(slot, v);
  }

  /** Empties the node for a new chunk (offsets[0] = 0; wide values dropped). */
  clear(): void {
    if (this.offsets.length > 0) this.offsets[0] = 0;
    this.wide = null;
    this.wroteNull = false;
    for (const c of this.children) c.clear();
    if (this.element !== null) this.element.clear();
  }

  /** Points the vector at the current arrays, for `rows` committed slots. */
  publish(rows: number): void {
    const v = this.vector as unknown as Record<string, unknown>;
    v.validity = this.wroteNull ? this.validity : null;
    switch (this.kind) {
      case Kind.BOOLEAN:
        v.values = this.u8;
        break;
      case Kind.INT:
      case Kind.DATE:
        v.values = this.i32;
        break;
      case Kind.DOUBLE:
        v.values = this.f64;
        break;
      case Kind.LONG:
      case Kind.DECIMAL:
      case Kind.TIMESTAMP:
        v.values = this.f64;
        v.wide = this.committedWide(rows);
        break;
      case Kind.STRING:
      case Kind.BINARY:
        v.offsets = this.offsets;
        v.data = this.data;
        break;
      case Kind.STRUCT:
        for (const c of this.children) c.publish(rows);
        break;
      case Kind.ARRAY:
        v.offsets = this.offsets;
        this.element!.publish(rows === 0 ? 0 : this.offsets[rows]);
        break;
    }
  }

  /** The wide values of committed slots (a dropped bad record may have left some beyond them), or null. */
  private committedWide(rows: number): Map<number, bigint> | null {
    const w = this.wide;
    if (w === null) return null;
    for (const slot of w.keys()) if (slot >= rows || this.f64[slot] === this.f64[slot]) w.delete(slot);
    return w.size === 0 ? null : w;
  }
}

/** The 4 bytes at b[p..p+4) as a little-endian int32. */
function word(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(next: T, old: T, keep: number): T {
  next.set(old.subarray(0, Math.min(keep, old.length)) as never);
  return next;
}
