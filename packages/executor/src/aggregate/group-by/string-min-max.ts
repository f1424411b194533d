/**
 * min or max of strings or binaries per group, by unsigned byte order (Spark's UTF8String and
 * binary ordering: lexicographic over bytes as 0..255, a prefix before its extensions).
 *
 * Storage: one byte arena; group g's value is arena[start[g], start[g] + length[g]) in a slot of
 * slack[g] bytes. A better value that fits the slot overwrites it; a longer one takes a new slot at
 * the arena's end and the old slot becomes garbage. When garbage exceeds half the arena, live
 * values are copied into a fresh arena (amortised: each copy frees at least as much as it moves).
 * No per-row objects: comparisons read the input's bytes in place.
 */
import { BytesVector, SqlField, Vector } from '@tributary/common';
import type { Accumulator, AccumulatorArrays } from './accumulators';

export class StringMinMaxAccumulator implements Accumulator {
  private start = new Int32Array(0);
  private length = new Int32Array(0);
  private slack = new Int32Array(0);
  private seen = new Uint8Array(0);
  private arena = new Uint8Array(1024);
  private used = 0;
  private garbage = 0;

  constructor(readonly stateField: SqlField, private readonly isMax: boolean) {}

  ensureCapacity(capacity: number): void {
    if (this.seen.length >= capacity) return;
    const n = Math.max(capacity, this.seen.length * 2);
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.start = grow(this.start, (k) => new Int32Array(k));
    this.length = grow(this.length, (k) => new Int32Array(k));
    this.slack = grow(this.slack, (k) => new Int32Array(k));
    this.seen = grow(this.seen, (k) => new Uint8Array(k));
  }

  initGroups(from: number, to: number): void {
    for (let g = from; g < to; g++) {
      this.garbage += this.slack[g];
      this.slack[g] = 0;
      this.length[g] = 0;
      this.start[g] = 0;
      this.seen[g] = 0;
    }
  }

  update(groupOf: Int32Array, n: number, input: Vector | null): void {
    this.merge(groupOf, n, input as Vector);
  }

  merge(groupOf: Int32Array, n: number, state: Vector): void {
    const { offsets, data } = state as BytesVector;
    const validity = state.validity;
    const seen = this.seen;
    const sign = this.isMax ? 1 : -1;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i];
      if (g < 0 || (validity !== null && validity[i] === 0)) continue;
      const from = offsets[i];
      const len = offsets[i + 1] - from;
      if (seen[g] === 0 || sign * this.compare(data, from, len, g) > 0) this.set(g, data, from, len);
    }
  }

  output(groups: Int32Array | null, count: number, dest: Int32Array | null = null): Vector {
    // offsets in row order: lengths first, then a prefix sum, then the bytes
    const lengths = new Int32Array(count);
    let validity: Uint8Array | null = null;
    for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      if (this.seen[g] === 0) {
        validity ??= new Uint8Array(count).fill(1);
        validity[r] = 0;
      } else lengths[r] = this.length[g];
    }
    const offsets = new Int32Array(count + 1);
    for (let r = 0; r < count; r++) offsets[r + 1] = offsets[r] + lengths[r];
    const data = new Uint8Array(offsets[count]);
    for (let i = 0; i < count; i++) {
      const g = groups === null ? i : groups[i];
      const r = dest === null ? i : dest[i];
      if (this.seen[g] === 1) data.set(this.arena.subarray(this.start[g], this.start[g] + this.length[g]), offsets[r]);
    }
    return { type: this.stateField.type as BytesVector['type'], validity, offsets, data };
  }

  compact(remap: Int32Array, newSize: number): void {
    const start = new Int32Array(this.seen.length);
    const length = new Int32Array(this.seen.length);
    const slack = new Int32Array(this.seen.length);
    const seen = new Uint8Array(this.seen.length);
    let bytes = 0;
    for (let g = 0; g < remap.length; g++) if (remap[g] >= 0 && this.seen[g] === 1) bytes += this.length[g];
    const arena = new Uint8Array(Math.max(1024, bytes));
    let at = 0;
    // new ids are increasing in old ids: copying in old-id order fills the new arena in new-id order
    for (let g = 0; g < remap.length && g < this.seen.length; g++) {
      const k = remap[g];
      if (k < 0 || k >= newSize || this.seen[g] === 0) continue;
      const len = this.length[g];
      arena.set(this.arena.subarray(this.start[g], this.start[g] + len), at);
      start[k] = at;
      length[k] = len;
      slack[k] = len;
      seen[k] = 1;
      at += len;
    }
    this.start = start;
    this.length = length;
    this.slack = slack;
    this.seen = seen;
    this.arena = arena;
    this.used = at;
    this.garbage = 0;
  }

  reset(): void {
    this.slack.fill(0);
    this.seen.fill(0);
    this.used = 0;
    this.garbage = 0;
  }

  arrays(): AccumulatorArrays {
    return { kind: 'bytes', start: this.start, length: this.length, data: this.arena, seen: this.seen };
  }

  get memoryBytes(): number {
    return this.start.byteLength * 3 + this.seen.byteLength + this.arena.byteLength;
  }

  /** Sign of (input bytes) − (group g's value), by unsigned bytes. */
  private compare(data: Uint8Array, from: number, len: number, g: number): number {
    const arena = this.arena;
    const at = this.start[g];
    const blen = this.length[g];
    const n = len < blen ? len : blen;
    for (let k = 0; k < n; k++) {
      const d = data[from + k] - arena[at + k];
      if (d !== 0) return d;
    }
    return len - blen;
  }

  private set(g: number, data: Uint8Array, from: number, len: number): void {
    this.seen[g] = 1;
    if (len > this.slack[g]) {
      this.garbage += this.slack[g];
      this.slack[g] = 0;
      if (this.garbage > 4096 && this.garbage * 2 > this.used) this.collect();
      if (this.used + len > this.arena.length) {
        const arena = new Uint8Array(Math.max(this.used + len, this.arena.length * 2));
        arena.set(this.arena.subarray(0, this.used));
        this.arena = arena;
      }
      this.start[g] = this.used;
      this.slack[g] = len;
      this.used += len;
    }
    this.arena.set(data.subarray(from, from + len), this.start[g]);
    this.length[g] = len;
  }

  /** Copies the live slots into a fresh arena (group order), dropping garbage. */
  private collect(): void {
    let bytes = 0;
    const groups = this.seen.length;
    for (let g = 0; g < groups; g++) bytes += this.slack[g];
    const arena = new Uint8Array(Math.max(1024, bytes * 2));
    let at = 0;
    for (let g = 0; g < groups; g++) {
      const s = this.slack[g];
      if (s === 0) continue;
      arena.set(this.arena.subarray(this.start[g], this.start[g] + this.length[g]), at);
      this.start[g] = at;
      at += s;
    }
    this.arena = arena;
    this.used = at;
    this.garbage = 0;
  }
}
