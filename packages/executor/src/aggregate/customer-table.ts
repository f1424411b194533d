import { FLOAT_EXACT_LIMIT, canonicalCents, checkDecimal20 } from './exact-sum';

/**
 * The aggregates of one window: customer_id (int32) → (count, exact sum in cents), an
 * open-addressing hash table on typed arrays.
 *
 * Layout: entries are dense (entry e at index e of `customerId`, `count`, `sum`), in insertion order,
 * never deleted one by one (a window leaves state as a whole). `slots` is a linear-probing index
 * holding e + 1 (0 = empty), at most half full; growth doubles both and re-indexes.
 *
 * Exact sums: `sum[e]` is the sum while |sum| < 2^53. When an addition would reach ±2^53 the entry is
 * promoted: `sum[e]` becomes NaN and `exact` holds { big, pending } with value = big + pending, where
 * `pending` is a Float64 accumulator kept below 2^53 and folded into `big` when it would reach it
 * (so a hot key costs a bigint addition every ~2^53 cents, not every row). NaN makes the fast path's
 * single range check fail for promoted entries, so it needs no flag test. Every fold and every read
 * checks the DECIMAL(20,2) bound.
 *
 * Optional change tracking (for state versions): entries touched since `clearDirty()`.
 */
export class CustomerTable {
  windowStart = 0;
  windowMicros = 0;
  size = 0;
  customerId: Int32Array;
  count: Float64Array;
  sum: Float64Array;

  private slots: Int32Array;
  private shift: number;
  private mask: number;
  private readonly exact = new Map<number, ExactAccumulator>();

  private readonly trackChanges: boolean;
  private dirtyFlag: Uint8Array;
  private dirtyList: Int32Array;
  private dirtyCount = 0;

  constructor(initialCapacity = 1024, trackChanges = false) {
    let slotCount = 4;
    while (slotCount < initialCapacity * 2) slotCount *= 2;
    this.slots = new Int32Array(slotCount);
    this.shift = 32 - Math.log2(slotCount);
    this.mask = slotCount - 1;
    const entryCap = slotCount / 2;
    this.customerId = new Int32Array(entryCap);
    this.count = new Float64Array(entryCap);
    this.sum = new Float64Array(entryCap);
    this.trackChanges = trackChanges;
    this.dirtyFlag = new Uint8Array(trackChanges ? entryCap : 0);
    this.dirtyList = new Int32Array(trackChanges ? entryCap : 0);
  }

  /** Home slot of a key for a table of 2^bits slots (Fibonacci hashing: the product's top bits). */
  static homeSlot(customerId: number, bits: number): number {
    return Math.imul(customerId, 0x9e3779b1) >>> (32 - bits);
  }

  get slotBits(): number {
    return 32 - this.shift;
  }

  /** Empties the table for reuse as window [windowStart, windowStart + windowMicros). */
  reset(windowStart: number, windowMicros: number): void {
    this.windowStart = windowStart;
    this.windowMicros = windowMicros;
    if (this.size > 0) this.slots.fill(0);
    this.size = 0;
    this.exact.clear();
    this.clearDirty();
  }

  /** Entry index of `customerId`, or −1. */
  find(customerId: number): number {
    let slot = Math.imul(customerId, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const v = this.slots[slot];
      if (v === 0) return -1;
      if (this.customerId[v - 1] === customerId) return v - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Entry index of `customerId`, inserted with count 0 and sum 0 if absent. */
  findOrInsert(customerId: number): number {
    const slots = this.slots;
    const keys = this.customerId;
    let slot = Math.imul(customerId, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const v = slots[slot];
      if (v === 0) break;
      if (keys[v - 1] === customerId) return v - 1;
      slot = (slot + 1) & this.mask;
    }
    if (this.size >= keys.length) {
      this.grow();
      return this.findOrInsert(customerId);
    }
    const e = this.size++;
    slots[slot] = e + 1;
    keys[e] = customerId;
    this.count[e] = 0;
    this.sum[e] = 0;
    return e;
  }

  /** One input row: count + 1, sum + amountCents (an integer with |amount| < 2^53). */
  addRow(customerId: number, amountCents: number): void {
    const e = this.findOrInsert(customerId);
    this.count[e] += 1;
    const s = this.sum[e] + amountCents;
    if (s < FLOAT_EXACT_LIMIT && s > -FLOAT_EXACT_LIMIT) this.sum[e] = s;
    else this.addSlow(e, amountCents);
  }

  /** Adds a partial whose sum is a number (|sum| < 2^53) or a bigint. */
  addPartial(e: number, count: number, sumCents: number | bigint): void {
    this.count[e] += count;
    if (typeof sumCents === 'number') {
      const s = this.sum[e] + sumCents;
      if (s < FLOAT_EXACT_LIMIT && s > -FLOAT_EXACT_LIMIT) this.sum[e] = s;
      else this.addSlow(e, sumCents);
    } else {
      const x = this.promote(e);
      x.big += sumCents;
      checkDecimal20(x.big, this.windowStart, this.windowMicros, this.customerId[e]);
    }
    if (this.trackChanges) this.markDirty(e);
  }

  /** Replaces an entry's values (rebuilding state from a snapshot or change set). */
  setEntry(e: number, count: number, sumCents: number | bigint): void {
    this.count[e] = count;
    if (typeof sumCents === 'number' && sumCents < FLOAT_EXACT_LIMIT && sumCents > -FLOAT_EXACT_LIMIT) {
      this.sum[e] = sumCents;
      this.exact.delete(e);
    } else {
      const big = BigInt(sumCents);
      checkDecimal20(big, this.windowStart, this.windowMicros, this.customerId[e]);
      this.sum[e] = NaN;
      this.exact.set(e, new ExactAccumulator(big, 0));
    }
    if (this.trackChanges) this.markDirty(e);
  }

  /** The exact sum of entry e, canonical: a number when |sum| < 2^53, else a bigint. */
  sumAt(e: number): number | bigint {
    const s = this.sum[e];
    if (s === s) return s;
    const x = this.exact.get(e) as ExactAccumulator;
    const value = x.big + BigInt(x.pending);
    checkDecimal20(value, this.windowStart, this.windowMicros, this.customerId[e]);
    return canonicalCents(value);
  }

  /** Entries whose sum is held exactly outside `sum` (those with `sum[e]` NaN), in no order. */
  promotedEntries(): IterableIterator<number> {
    return this.exact.keys();
  }

  /** Entries touched by addPartial/setEntry since the last clearDirty(), in first-touch order. */
  dirtyEntries(): Int32Array {
    return this.dirtyList.subarray(0, this.dirtyCount);
  }

  clearDirty(): void {
    const list = this.dirtyList;
    const flag = this.dirtyFlag;
    for (let i = 0; i < this.dirtyCount; i++) flag[list[i]] = 0;
    this.dirtyCount = 0;
  }

  private markDirty(e: number): void {
    if (this.dirtyFlag[e] === 0) {
      this.dirtyFlag[e] = 1;
      this.dirtyList[this.dirtyCount++] = e;
    }
  }

  private addSlow(e: number, cents: number): void {
    const x = this.promote(e);
    const p = x.pending + cents;
    if (p < FLOAT_EXACT_LIMIT && p > -FLOAT_EXACT_LIMIT) {
      x.pending = p;
    } else {
      x.big += BigInt(x.pending) + BigInt(cents);
      x.pending = 0;
      checkDecimal20(x.big, this.windowStart, this.windowMicros, this.customerId[e]);
    }
  }

  private promote(e: number): ExactAccumulator {
    let x = this.exact.get(e);
    if (x === undefined) {
      x = new ExactAccumulator(BigInt(this.sum[e]), 0);
      this.exact.set(e, x);
      this.sum[e] = NaN;
    }
    return x;
  }

  private grow(): void {
    const slotCount = this.slots.length * 2;
    const entryCap = slotCount / 2;
    this.slots = new Int32Array(slotCount);
    this.shift = 32 - Math.log2(slotCount);
    this.mask = slotCount - 1;
    this.customerId = growInt32(this.customerId, entryCap);
    this.count = growFloat64(this.count, entryCap);
    this.sum = growFloat64(this.sum, entryCap);
    if (this.trackChanges) {
      const flag = new Uint8Array(entryCap);
      flag.set(this.dirtyFlag);
      this.dirtyFlag = flag;
      this.dirtyList = growInt32(this.dirtyList, entryCap);
    }
    const keys = this.customerId;
    for (let e = 0; e < this.size; e++) {
      let slot = Math.imul(keys[e], 0x9e3779b1) >>> this.shift;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = e + 1;
    }
  }
}

class ExactAccumulator {
  constructor(
    public big: bigint,
    public pending: number,
  ) {}
}

function growInt32(a: Int32Array, capacity: number): Int32Array {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

function growFloat64(a: Float64Array, capacity: number): Float64Array {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}
