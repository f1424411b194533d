import { CustomerTable } from './customer-table';
import { ChangeSet } from './partial-codec';
import { PartialSet, PartialSetColumns, partialSumValue } from './partial-set';
import { assertWindowMicros } from './window';

/** Rows that left state because the watermark closed their window (append-mode output). */
export type EmittedRows = PartialSet;

export interface WindowStateTableOptions {
  /** Tumbling window size; a window [start, start + windowMicros) is closed once its end ≤ watermark. */
  readonly windowMicros: number;
  /** Initial key capacity of each window's table (tables grow as needed and are reused). */
  readonly initialKeysPerWindow?: number;
}

const MAX_POOLED_TABLES = 8;

/**
 * The aggregation state of one shuffle partition: (window start, customer_id) → (count, exact sum),
 * as one CustomerTable per window (windows are few, keys are many). Every operation costs in
 * proportion to the keys it reads or writes plus the number of live windows, never the whole state:
 * eviction drops whole windows, and the change tracker records touched entries as it goes.
 *
 * Versioning protocol: after state version N is made durable the owner calls mark(); batch N+1's
 * merge/evict are recorded; changesSinceMark() is then the change set stored as version N+1.
 * Rebuild = loadSnapshot(snapshot at version S) then applyChanges(change set S+1 … N) in order.
 *
 * A merge that throws (DECIMAL(20,2) overflow) leaves the table partly merged: the query fails and
 * state is rebuilt from durable storage.
 */
export class WindowStateTable {
  readonly windowMicros: number;
  private readonly initialKeysPerWindow: number;
  private readonly windows = new Map<number, CustomerTable>();
  private readonly pool: CustomerTable[] = [];
  private readonly deletedSinceMark = new Set<number>();

  constructor(opts: WindowStateTableOptions) {
    assertWindowMicros(opts.windowMicros);
    this.windowMicros = opts.windowMicros;
    this.initialKeysPerWindow = opts.initialKeysPerWindow ?? 16 * 1024;
  }

  /** Number of (window, customer_id) entries held. */
  get numRowsTotal(): number {
    let n = 0;
    for (const t of this.windows.values()) n += t.size;
    return n;
  }

  /** Window starts held, ascending. */
  windowStarts(): number[] {
    return [...this.windows.keys()].sort((a, b) => a - b);
  }

  /** Adds partial aggregates (counts and sums add up per key). */
  merge(partials: PartialSet | readonly PartialSet[]): void {
    const sets = Array.isArray(partials) ? partials : [partials as PartialSet];
    for (const set of sets) this.mergeOne(set);
  }

  /**
   * Removes and returns every entry whose window end ≤ watermarkMicros, ordered by window start,
   * then by first appearance in state.
   */
  evict(watermarkMicros: number): EmittedRows {
    const closed = this.windowStarts().filter((w) => w + this.windowMicros <= watermarkMicros);
    const tables = closed.map((w) => this.windows.get(w) as CustomerTable);
    const rows = collectAll(tables);
    for (const t of tables) {
      this.windows.delete(t.windowStart);
      this.deletedSinceMark.add(t.windowStart);
      this.release(t);
    }
    return rows;
  }

  /**
   * Every entry, ordered by window start (complete-mode output and state snapshots), in new columns
   * or in `into` (its earlier content is overwritten; it must hold numRowsTotal rows).
   */
  snapshot(into?: PartialSetColumns): PartialSet {
    return collectAll(this.windowStarts().map((w) => this.windows.get(w) as CustomerTable), into);
  }

  /** Starts a new change set: forgets what was recorded so far. */
  mark(): void {
    for (const t of this.windows.values()) t.clearDirty();
    this.deletedSinceMark.clear();
  }

  /**
   * What changed since mark(): current values of entries merged or set since then (in live windows),
   * and windows removed since then. Apply deletions first, then upserts (see partial-codec.ts).
   */
  changesSinceMark(): ChangeSet {
    const tables = this.windowStarts().map((w) => this.windows.get(w) as CustomerTable);
    let total = 0;
    for (const t of tables) total += t.dirtyEntries().length;
    const out = new PartialSetColumns(total);
    let row = 0;
    for (const t of tables) {
      for (const e of t.dirtyEntries()) out.set(row++, t.windowStart, t.customerId[e], t.count[e], t.sumAt(e));
    }
    const deleted = Float64Array.from([...this.deletedSinceMark].sort((a, b) => a - b));
    return { upserts: out.finish(total), deletedWindowStartsMicros: deleted };
  }

  /** Applies a change set (rebuilding state), then mark(): the table is at the change set's version. */
  applyChanges(changes: ChangeSet): void {
    for (const w of changes.deletedWindowStartsMicros) {
      const t = this.windows.get(w);
      if (t !== undefined) {
        this.windows.delete(w);
        this.release(t);
      }
    }
    this.setAll(changes.upserts);
    this.mark();
  }

  /** Replaces all content by a snapshot, then mark(). */
  loadSnapshot(snapshot: PartialSet): void {
    for (const t of this.windows.values()) this.release(t);
    this.windows.clear();
    this.setAll(snapshot);
    this.mark();
  }

  private mergeOne(set: PartialSet): void {
    const starts = set.windowStartMicros;
    const keys = set.customerId;
    const counts = set.count;
    const sums = set.sumCents;
    let table: CustomerTable | null = null;
    for (let i = 0; i < set.length; i++) {
      const ws = starts[i];
      if (table === null || table.windowStart !== ws) table = this.tableFor(ws);
      const e = table.findOrInsert(keys[i]);
      const s = sums[i];
      table.addPartial(e, counts[i], s === s ? s : partialSumValue(set, i));
    }
  }

  private setAll(set: PartialSet): void {
    let table: CustomerTable | null = null;
    for (let i = 0; i < set.length; i++) {
      const ws = set.windowStartMicros[i];
      if (table === null || table.windowStart !== ws) table = this.tableFor(ws);
      table.setEntry(table.findOrInsert(set.customerId[i]), set.count[i], partialSumValue(set, i));
    }
  }

  private tableFor(windowStart: number): CustomerTable {
    let t = this.windows.get(windowStart);
    if (t === undefined) {
      if (!Number.isSafeInteger(windowStart) || windowStart % this.windowMicros !== 0) {
        throw new RangeError(`window start ${windowStart} is not aligned to ${this.windowMicros} µs windows`);
      }
      t = this.pool.pop() ?? new CustomerTable(this.initialKeysPerWindow, true);
      t.reset(windowStart, this.windowMicros);
      this.windows.set(windowStart, t);
    }
    return t;
  }

  private release(t: CustomerTable): void {
    if (this.pool.length < MAX_POOLED_TABLES) {
      t.reset(0, this.windowMicros);
      this.pool.push(t);
    }
  }
}

/** All entries of `tables`, in table order then entry order: column copies, plus the promoted sums. */
function collectAll(tables: readonly CustomerTable[], into?: PartialSetColumns): PartialSet {
  let total = 0;
  for (const t of tables) total += t.size;
  if (into && into.capacity < total) throw new RangeError(`${total} rows do not fit columns of ${into.capacity}`);
  into?.exactSums.clear();
  const out = into ?? new PartialSetColumns(total);
  let row = 0;
  for (const t of tables) {
    const n = t.size;
    out.windowStartMicros.fill(t.windowStart, row, row + n);
    out.customerId.set(t.customerId.subarray(0, n), row);
    out.count.set(t.count.subarray(0, n), row);
    out.sumCents.set(t.sum.subarray(0, n), row);
    for (const e of t.promotedEntries()) out.set(row + e, t.windowStart, t.customerId[e], t.count[e], t.sumAt(e));
    row += n;
  }
  return out.finish(total);
}
