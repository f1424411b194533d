/**
 * approx_count_distinct's state per group: 2^p HyperLogLog++ registers of one byte (hyperloglog.ts),
 * group g's at registers[g·2^p, (g+1)·2^p) of one Uint8Array. Input rows are hashed a column at a
 * time into two word arrays, then added; partial and state rows (binary values of exactly 2^p
 * bytes) merge by register-wise max. The state column is never null: a group without values has
 * all registers 0, and its estimate is 0.
 *
 * A group still empty since initGroups (`fresh`) takes its first merged sketch by a copy, not a
 * max: session windows merge every session into fresh groups at each compaction, and the reduce
 * side merges partials into new groups, so most merges are copies. The others take the
 * register-wise max four registers at a time (maxWords): a rank is at most 64 − p + 1 < 128, so
 * each byte's top bit is free for a borrow-free comparison.
 */
import { BytesVector, SqlField, Vector } from '@tributary/common';
import { CorruptAggregateDataError } from '../errors';
import type { Accumulator, AccumulatorArrays } from './accumulators';
import { addHashes, hashColumn } from './hyperloglog';

export class SketchAccumulator implements Accumulator {
  private registers = new Uint8Array(0);
  /** The same buffer as 32-bit words (width is a multiple of 4: p ≥ 4). */
  private words = new Uint32Array(0);
  /** fresh[g] = 1: group g's registers are all 0 since initGroups (nothing added or merged yet). */
  private fresh = new Uint8Array(0);
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private readonly width: number;

  constructor(readonly stateField: SqlField, private readonly precision: number) {
    this.width = 1 << precision;
  }

  ensureCapacity(capacity: number): void {
    if (this.fresh.length < capacity) {
      const f = new Uint8Array(Math.max(capacity, this.fresh.length * 2));
      f.set(this.fresh);
      this.fresh = f;
    }
    if (this.registers.length >= capacity * this.width) return;
    const groups = Math.max(capacity, (this.registers.length / this.width) * 2);
    const b = new Uint8Array(groups * this.width);
    b.set(this.registers);
    this.registers = b;
    this.words = new Uint32Array(b.buffer);
  }

  initGroups(from: number, to: number): void {
    this.registers.fill(0, from * this.width, to * this.width);
    this.fresh.fill(1, from, to);
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    if (input === null) throw new RangeError('approx_count_distinct needs an input column');
    if (this.hi.length < n) {
      this.hi = new Uint32Array(Math.max(n, this.hi.length * 2));
      this.lo = new Uint32Array(this.hi.length);
    }
    const fresh = this.fresh;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g >= 0) fresh[g] = 0;
    }
    hashColumn(input, n, this.hi, this.lo);
    addHashes(this.registers, this.precision, groupOf, n, input.validity, this.hi, this.lo);
  }

  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const { offsets, data } = state as BytesVector;
    const w = this.width;
    const registers = this.registers;
    const fresh = this.fresh;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0) continue;
      const from = offsets[i];
      if (offsets[i + 1] - from !== w) {
        throw new CorruptAggregateDataError(`${this.stateField.name}: a sketch of ${offsets[i + 1] - from} bytes, expected ${w}`);
      }
      if (fresh[g] === 1) {
        registers.set(data.subarray(from, from + w), g * w);
        fresh[g] = 0;
        continue;
      }
      if ((data.byteOffset + from) % 4 === 0) {
        this.maxWords(new Uint32Array(data.buffer, data.byteOffset + from, w >>> 2), g * (w >>> 2));
        continue;
      }
      for (let k = 0, at = g * w; k < w; k++, at++) {
        const r = data[from + k];
        if (r > registers[at]) registers[at] = r;
      }
    }
  }

  /** words[at …] = the byte-wise max of itself and `src` (bytes < 128 on both sides). */
  private maxWords(src: Uint32Array, at: number): void {
    const words = this.words;
    for (let k = 0; k < src.length; k++, at++) {
      const b = src[k];
      if ((b & 0x80808080) !== 0) throw new CorruptAggregateDataError(`${this.stateField.name}: a register above 127`);
      const a = words[at];
      // per byte: the top bit of (a | 0x80) − b stays set when a ≥ b; no byte borrows from the next
      const ge = (((a | 0x80808080) - b) & 0x80808080) >>> 7;
      const mask = Math.imul(ge, 0xff);
      words[at] = (a & mask) | (b & ~mask);
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    const w = this.width;
    const offsets = new Int32Array(count + 1);
    for (let r = 0; r <= count; r++) offsets[r] = r * w;
    const data = new Uint8Array(count * w);
    if (groups === null && dest === null) {
      data.set(this.registers.subarray(0, count * w));
      return { type: { kind: 'binary' }, validity: null, offsets, data };
    }
    for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      data.set(this.registers.subarray(g * w, (g + 1) * w), r * w);
    }
    return { type: { kind: 'binary' }, validity: null, offsets, data };
  }

  compact(remap: Int32Array): void {
    const w = this.width;
    const b = new Uint8Array(this.registers.length);
    const fresh = new Uint8Array(this.fresh.length);
    for (let g = 0; g < remap.length; g++) {
      if (remap[g] < 0) continue;
      b.set(this.registers.subarray(g * w, (g + 1) * w), remap[g] * w);
      fresh[remap[g]] = this.fresh[g];
    }
    this.registers = b;
    this.words = new Uint32Array(b.buffer);
    this.fresh = fresh;
  }

  reset(): void {}

  arrays(): AccumulatorArrays {
    return { kind: 'registers', data: this.registers, width: this.width };
  }

  get memoryBytes(): number {
    return this.registers.byteLength + this.fresh.byteLength + this.hi.byteLength + this.lo.byteLength;
  }
}
