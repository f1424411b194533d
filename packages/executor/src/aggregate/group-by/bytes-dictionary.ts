/**
 * A dictionary of byte strings (UTF-8 strings or binary values) → dense ids 0, 1, 2, … in order of
 * first appearance, for one table. Lookups hash the bytes where they lie (a batch's `data` buffer)
 * and compare them there: no JS string and no object per row.
 *
 * Layout: the distinct values' bytes are appended to `data`; value `id` is
 * data[offsets[id], offsets[id + 1]). `slots` is a linear-probing index holding id + 1 (0 = empty),
 * at most half full; `hashes[id]` keeps each value's hash so growth does not rehash bytes. The
 * lookup hash (FNV-1a over the bytes) is internal: the shuffle partition hashes the bytes with
 * Spark's Murmur3 instead (spark-hash.ts).
 */
export class BytesDictionary {
  size = 0;
  data: Uint8Array;
  offsets: Int32Array;
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(initialCapacity = 64) {
    let slotCount = 16;
    while (slotCount < initialCapacity * 2) slotCount *= 2;
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    this.hashes = new Int32Array(slotCount / 2);
    this.offsets = new Int32Array(slotCount / 2 + 1);
    this.data = new Uint8Array(1024);
  }

  /** Bytes of the typed arrays the dictionary holds (its memory, capacity included). */
  get memoryBytes(): number {
    return this.data.byteLength + this.offsets.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /** The id of bytes[from, to), added if absent. */
  idOf(bytes: Uint8Array, from: number, to: number): number {
    let h = 0x811c9dc5;
    for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    h ^= h >>> 15;
    const len = to - from;
    const slots = this.slots;
    const offsets = this.offsets;
    const data = this.data;
    let slot = h & this.mask;
    for (;;) {
      const v = slots[slot];
      if (v === 0) break;
      const id = v - 1;
      if (this.hashes[id] === h) {
        const start = offsets[id];
        if (offsets[id + 1] - start === len) {
          let k = 0;
          while (k < len && data[start + k] === bytes[from + k]) k++;
          if (k === len) return id;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    return this.insert(bytes, from, to, h, slot);
  }

  /** Empties the dictionary for reuse, keeping its arrays. */
  clear(): void {
    if (this.size > 0) this.slots.fill(0);
    this.size = 0;
  }

  /** Bytes of value `id` (a view into `data`, valid until the next insertion). */
  bytesOf(id: number): Uint8Array {
    return this.data.subarray(this.offsets[id], this.offsets[id + 1]);
  }

  byteLength(id: number): number {
    return this.offsets[id + 1] - this.offsets[id];
  }

  private insert(bytes: Uint8Array, from: number, to: number, h: number, slot: number): number {
    if ((this.size + 1) * 2 > this.slots.length) {
      this.grow();
      return this.idOf(bytes, from, to);
    }
    const id = this.size++;
    const start = this.offsets[id];
    const end = start + (to - from);
    if (end > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < end) cap *= 2;
      const d = new Uint8Array(cap);
      d.set(this.data.subarray(0, start));
      this.data = d;
    }
    this.data.set(bytes.subarray(from, to), start);
    this.offsets[id + 1] = end;
    this.hashes[id] = h;
    this.slots[slot] = id + 1;
    return id;
  }

  private grow(): void {
    const slotCount = this.slots.length * 2;
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    const hashes = new Int32Array(slotCount / 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const offsets = new Int32Array(slotCount / 2 + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
    for (let id = 0; id < this.size; id++) {
      let slot = hashes[id] & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id + 1;
    }
  }
}
