/**
 * What a shuffle partition of a CDC query remembers between batches (apply-changes.ts), so that a
 * change older than the one the table holds for its key is ignored across batches:
 *
 *   per key      the position of the last change applied, and whether that change was a delete
 *                (a tombstone) with its commit time (µs) for the retention
 *   truncated    the position of the latest truncate applied (major, minor; −1 when none): every
 *                change at or before it is ignored, from any Kafka partition
 *   maxOpTime    the latest source commit time seen (µs): tombstones older than it by the
 *                retention are dropped, so retention is measured in source time and a replay
 *                drops the same ones
 *
 * Keys are keyStrings (update-merge.ts) of the key columns. Versioning as the other state tables:
 * after a version is durable the owner calls mark(); changesSinceMark() lists the keys set and
 * the keys removed since, with the scalars, stored as the next version (cdc-codec.ts); a rebuild
 * applies the change sets in order.
 */
export interface KeyChanges {
  /** The keys set, column by column: key i is at position (major[i], minor[i]), a tombstone when deleted[i] is 1, changed at time[i] (µs). */
  set: KeyColumns;
  removed: string[];
  truncMajor: number;
  truncMinor: number;
  maxOpTime: number;
}

export interface KeyColumns {
  keys: string[];
  major: Float64Array;
  minor: Float64Array;
  deleted: Uint8Array;
  time: Float64Array;
}

export class CdcKeyState {
  private readonly slots = new Map<string, number>();
  private major = new Float64Array(1024);
  private minor = new Float64Array(1024);
  private deleted = new Uint8Array(1024);
  private time = new Float64Array(1024);
  private readonly free: number[] = [];
  private next = 0;
  truncMajor = -1;
  truncMinor = -1;
  maxOpTime = -Infinity;
  /** Per slot, its key ('' when free). */
  private readonly keyOf: string[] = [];
  /** Per slot, 1 when set since the mark; touchedSlots lists them (a slot freed and taken again may be listed twice). */
  private touchedAt = new Uint8Array(1024);
  private touchedSlots: number[] = [];
  private readonly removedSinceMark = new Set<string>();

  get numKeys(): number {
    return this.slots.size;
  }

  get memoryBytes(): number {
    return this.major.byteLength * 3 + this.deleted.byteLength + this.touchedAt.byteLength + this.slots.size * 72;
  }

  /** Slots ever given out: every slot is below it. */
  get slotCount(): number {
    return this.next;
  }

  /** The key's slot, or −1 when the state holds nothing for it. */
  slotOf(key: string): number {
    return this.slots.get(key) ?? -1;
  }
  majorAt(slot: number): number { return this.major[slot]; }
  minorAt(slot: number): number { return this.minor[slot]; }
  deletedAt(slot: number): boolean { return this.deleted[slot] === 1; }

  set(key: string, major: number, minor: number, deleted: boolean, time: number): void {
    let s = this.slots.get(key);
    if (s === undefined) {
      s = this.free.pop() ?? this.next++;
      if (s >= this.major.length) this.grow();
      this.slots.set(key, s);
      this.keyOf[s] = key;
      if (this.removedSinceMark.size > 0) this.removedSinceMark.delete(key);
    }
    this.setAt(s, major, minor, deleted, time);
  }

  /** As set, for a key held at `slot` (slotOf, with no remove since). */
  setAt(s: number, major: number, minor: number, deleted: boolean, time: number): void {
    this.major[s] = major;
    this.minor[s] = minor;
    this.deleted[s] = deleted ? 1 : 0;
    this.time[s] = time;
    if (this.touchedAt[s] === 0) {
      this.touchedAt[s] = 1;
      this.touchedSlots.push(s);
    }
  }

  remove(key: string): void {
    const s = this.slots.get(key);
    if (s === undefined) return;
    this.slots.delete(key);
    this.free.push(s);
    this.keyOf[s] = '';
    this.touchedAt[s] = 0;
    this.removedSinceMark.add(key);
  }

  /** Every key whose position is at or before (major, minor) (a truncate there erased them). */
  keysThrough(major: number, minor: number): string[] {
    const out: string[] = [];
    for (const [k, s] of this.slots) if (this.major[s] < major || (this.major[s] === major && this.minor[s] <= minor)) out.push(k);
    return out;
  }

  /** Drops tombstones whose delete time is before `before` (µs); returns how many. */
  evictTombstones(before: number): number {
    let n = 0;
    for (const [k, s] of this.slots) {
      if (this.deleted[s] === 1 && this.time[s] < before) {
        this.remove(k);
        n++;
      }
    }
    return n;
  }

  mark(): void {
    for (const s of this.touchedSlots) this.touchedAt[s] = 0;
    this.touchedSlots = [];
    this.removedSinceMark.clear();
  }

  changesSinceMark(): KeyChanges {
    const slots: number[] = [];
    for (const s of this.touchedSlots) {
      if (this.touchedAt[s] !== 1) continue; // freed since, or listed twice
      this.touchedAt[s] = 2;
      slots.push(s);
    }
    for (const s of slots) this.touchedAt[s] = 1;
    return { set: this.columnsOfSlots(slots), removed: [...this.removedSinceMark], truncMajor: this.truncMajor, truncMinor: this.truncMinor, maxOpTime: this.maxOpTime };
  }

  /** Every key, as a change set from the empty state (a snapshot). */
  all(): KeyChanges {
    return { set: this.columnsOfSlots([...this.slots.values()]), removed: [], truncMajor: this.truncMajor, truncMinor: this.truncMinor, maxOpTime: this.maxOpTime };
  }

  apply(changes: KeyChanges): void {
    for (const k of changes.removed) this.remove(k);
    const c = changes.set;
    for (let i = 0; i < c.keys.length; i++) this.set(c.keys[i], c.major[i], c.minor[i], c.deleted[i] === 1, c.time[i]);
    this.truncMajor = changes.truncMajor;
    this.truncMinor = changes.truncMinor;
    this.maxOpTime = changes.maxOpTime;
  }

  /** The keys held at `slots`, column by column. */
  private columnsOfSlots(slots: readonly number[]): KeyColumns {
    const n = slots.length;
    const out: KeyColumns = { keys: new Array<string>(n), major: new Float64Array(n), minor: new Float64Array(n), deleted: new Uint8Array(n), time: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const s = slots[i];
      out.keys[i] = this.keyOf[s];
      out.major[i] = this.major[s];
      out.minor[i] = this.minor[s];
      out.deleted[i] = this.deleted[s];
      out.time[i] = this.time[s];
    }
    return out;
  }

  private grow(): void {
    const n = this.major.length * 2;
    const f = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    this.major = f(this.major);
    this.minor = f(this.minor);
    this.time = f(this.time);
    const u = (a: Uint8Array) => { const b = new Uint8Array(n); b.set(a); return b; };
    this.deleted = u(this.deleted);
    this.touchedAt = u(this.touchedAt);
  }
}
