/**
 * approx_count_distinct's state per group: 2^p HyperLogLog++ registers of one byte (hyperloglog.ts),
 * group g's at registers[g·2^p, (g+1)·2^p) of one Uint8Array. Input rows are hashed a column at a
 * time into two word arrays, then added; partial and state rows (binary values of exactly 2^p
 * bytes) merge by register-wise max. The state column is never null: a group without values has
 * all registers 0, and its estimate is 0.
 */
import { BytesVector, SqlField, Vector } from '@tributary/common';
import { CorruptAggregateDataError } from '../errors';
import type { Accumulator, AccumulatorArrays } from './accumulators';
import { addHashes, hashColumn } from './hyperloglog';

export class SketchAccumulator implements Accumulator {
  private registers = new Uint8Array(0);
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  private readonly width: number;

  constructor(readonly stateField: SqlField, private readonly precision: number) {
    this.width = 1 << precision;
  }

  ensureCapacity(capacity: number): void {
    if (this.registers.length >= capacity * this.width) return;
    const groups = Math.max(capacity, (this.registers.length / this.width) * 2);
    const b = new Uint8Array(groups * this.width);
    b.set(this.registers);
    this.registers = b;
  }

  initGroups(from: number, to: number): void {
    this.registers.fill(0, from * this.width, to * this.width);
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    if (input === null) throw new RangeError('approx_count_distinct needs an input column');
    if (this.hi.length < n) {
      this.hi = new Uint32Array(Math.max(n, this.hi.length * 2));
      this.lo = new Uint32Array(this.hi.length);
    }
    hashColumn(input, n, this.hi, this.lo);
    addHashes(this.registers, this.precision, groupOf, n, input.validity, this.hi, this.lo);
  }

  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const { offsets, data } = state as BytesVector;
    const w = this.width;
    const registers = this.registers;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0) continue;
      const from = offsets[i];
      if (offsets[i + 1] - from !== w) {
        throw new CorruptAggregateDataError(`${this.stateField.name}: a sketch of ${offsets[i + 1] - from} bytes, expected ${w}`);
      }
      for (let k = 0, at = g * w; k < w; k++, at++) {
        const r = data[from + k];
        if (r > registers[at]) registers[at] = r;
      }
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    const w = this.width;
    const offsets = new Int32Array(count + 1);
    for (let r = 0; r <= count; r++) offsets[r] = r * w;
    const data = new Uint8Array(count * w);
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
    for (let g = 0; g < remap.length; g++) if (remap[g] >= 0) b.set(this.registers.subarray(g * w, (g + 1) * w), remap[g] * w);
    this.registers = b;
  }

  reset(): void {}

  arrays(): AccumulatorArrays {
    return { kind: 'registers', data: this.registers, width: this.width };
  }

  get memoryBytes(): number {
    return this.registers.byteLength + this.hi.byteLength + this.lo.byteLength;
  }
}
