/**
 * The session state of one shuffle partition: every open session of every key the partition owns
 * (a SessionSet kept merged), fed with the partial sessions of a batch's map tasks.
 *
 *   merge(partials)        appends the partials of one map task; emit/allRows merge them with the
 *                          stored sessions first (sessions of a key that overlap or touch become one,
 *                          their aggregates merged), as Spark's MergingSessionsExec over the restored state
 *   evictClosed(watermark) append mode: removes and returns the sessions whose end ≤ watermark
 *                          (a session is emitted once, in the first batch whose watermark reaches its end)
 *   allRows()              complete mode: every session, each batch; nothing is evicted
 *
 * Versioning: stateRows() after the batch is the whole state stored as the partition's next version
 * (session-codec.ts, session-state/v1); load(rows) rebuilds it from the newest such blob. A merge
 * that throws (overflow) leaves the table partly merged: the attempt fails and state is reloaded.
 */
import { ColumnBatch } from '@tributary/common';
import { SessionLayout } from './session-layout';
import { SessionSet } from './session-set';

export class SessionStateTable {
  private sessions: SessionSet;

  constructor(readonly layout: SessionLayout, initialSessions = 16 * 1024) {
    this.sessions = new SessionSet(layout, initialSessions);
  }

  get numSessions(): number {
    this.sessions.compact();
    return this.sessions.size;
  }

  get memoryBytes(): number {
    return this.sessions.memoryBytes;
  }

  /** Adds partial sessions (layout.stateSchema). */
  merge(partials: ColumnBatch): void {
    this.sessions.appendRows(partials);
  }

  /** Removes and returns the sessions whose end ≤ watermarkMicros, ordered by key, then start. */
  evictClosed(watermarkMicros: number): ColumnBatch {
    const set = this.sessions;
    set.compact();
    const n = set.size;
    const keep = new Uint8Array(n);
    let closed = 0;
    for (let s = 0; s < n; s++) {
      if (set.end[s] <= watermarkMicros) closed++;
      else keep[s] = 1;
    }
    if (closed === 0) return set.rows(new Int32Array(0));
    const ids = new Int32Array(closed);
    for (let s = 0, j = 0; s < n; s++) if (keep[s] === 0) ids[j++] = s;
    const rows = set.rows(ids);
    set.retain(keep);
    return rows;
  }

  /** Every session, ordered by key, then start (complete-mode output). */
  allRows(): ColumnBatch {
    this.sessions.compact();
    return this.sessions.rows();
  }

  /** The whole state, to store as a version. */
  stateRows(): ColumnBatch {
    return this.allRows();
  }

  /** Replaces all content by stored state (session-state/v1 rows). */
  load(rows: ColumnBatch): void {
    this.sessions = new SessionSet(this.layout, Math.max(1024, rows.count));
    this.sessions.appendRows(rows);
    this.sessions.compact();
  }

  /** Nothing to do: a version stores the whole state (present for LiveState's commit protocol). */
  mark(): void {}
}
