/**
 * Partials pushed to this executor for the shuffle partitions it owns, held per query, then per
 * batch attempt. Nothing one query does here can fence, stall or feed another.
 *
 * Protocol, for attempt (N, A) of query Q:
 *   1. The driver opens it (TaskService.OpenShuffle) on every shuffle owner before the map stage,
 *      naming the partitions this executor owns in it and the map task ids expected. Opening A
 *      supersedes (frees) an older attempt of N, and frees what earlier batches of Q left behind.
 *   2. Each map task pushes exactly one message per partition. A push is stored only when (Q, N, A)
 *      is open, the partition is one this executor owns in it, the map task id is expected, and that
 *      task has not pushed to that partition yet. Everything else is refused and stores nothing:
 *      FENCED for an attempt older than the newest opened of N, NOT_OPEN for one never opened or
 *      already closed, UNEXPECTED for a partition or map task the attempt does not name (or a second
 *      push), RESOURCE_EXHAUSTED when the query's bytes held here would pass `maxBytesPerQuery`
 *      (the attempt is then closed and freed at once; the driver runs a new one).
 *   3. The reduce task of (Q, N, A) takes each partition's messages once every expected map task's
 *      has arrived, then closes the attempt, which frees it. AbortAttempt closes it too, and so does
 *      its expiry (`expireAfterMs` from opening), so an attempt that is never reduced cannot hold
 *      memory for good.
 * Attempt numbers are claimed durably per query under its checkpoint (unique across driver runs),
 * so (query id, batch id, attempt) names one attempt of one run.
 */
import { TributaryError, BatchId } from '@tributary/common';

export interface InboxMessage { mapTaskId: number; bytes: Uint8Array; rows: number }

export type RefusalCode = 'FENCED' | 'NOT_OPEN' | 'UNEXPECTED' | 'RESOURCE_EXHAUSTED';

/** Why a push was not stored. Every refusal but FENCED is retriable: a new attempt may succeed. */
export interface PushRefusal { code: RefusalCode; message: string }

export interface ShuffleInboxOptions {
  /** Bytes of partials one query may hold on this executor across its open attempts. */
  maxBytesPerQuery: number;
  /** A query's record (its fences) is forgotten once it has nothing open and was unused this long. */
  idleQueryMs?: number;
}

export const DEFAULT_SHUFFLE_MEMORY_PER_QUERY = 256 * 1024 * 1024;

/** One opened attempt (N, A): its owned partitions → map task id → message. */
class AttemptInbox {
  readonly messages = new Map<number, Map<number, InboxMessage>>();
  readonly expected: Set<number>;
  bytes = 0;
  /** Set once closed: why (its messages are gone). */
  closed: string | null = null;
  timer: NodeJS.Timeout | null = null;
  readonly waiters = new Set<() => void>();

  constructor(readonly batchId: BatchId, readonly attempt: number, partitions: number[], mapTaskIds: number[]) {
    for (const p of partitions) this.messages.set(p, new Map());
    this.expected = new Set(mapTaskIds);
  }

  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** One query's inbox: per batch, the newest attempt opened (open or closed, for fencing). */
class QueryInbox {
  readonly batches = new Map<number, AttemptInbox>();
  bytes = 0;
  lastUsedMs = Date.now();

  hasOpen(): boolean {
    for (const a of this.batches.values()) if (a.closed === null) return true;
    return false;
  }
}

export class ShuffleInbox {
  private readonly queries = new Map<string, QueryInbox>();
  private readonly maxBytesPerQuery: number;
  private readonly idleQueryMs: number;

  constructor(opts: ShuffleInboxOptions = { maxBytesPerQuery: DEFAULT_SHUFFLE_MEMORY_PER_QUERY }) {
    if (!Number.isSafeInteger(opts.maxBytesPerQuery) || opts.maxBytesPerQuery < 1) throw new TributaryError(`shuffle memory per query must be a positive number of bytes, got ${opts.maxBytesPerQuery}`);
    this.maxBytesPerQuery = opts.maxBytesPerQuery;
    this.idleQueryMs = opts.idleQueryMs ?? 10 * 60_000;
  }

  /**
   * Opens attempt (N, A) of `queryId` for pushes to `partitions` from `mapTaskIds`, freed after
   * `expireAfterMs` unless closed before. Throws FENCED when a newer attempt of N was opened.
   * Opening an attempt already open is a no-op (the driver may repeat the call).
   */
  open(queryId: string, batchId: BatchId, attempt: number, partitions: number[], mapTaskIds: number[], expireAfterMs: number): void {
    this.forgetIdleQueries();
    let q = this.queries.get(queryId);
    if (!q) this.queries.set(queryId, (q = new QueryInbox()));
    q.lastUsedMs = Date.now();
    const cur = q.batches.get(batchId);
    if (cur && attempt < cur.attempt) throw new TributaryError(`batch ${batchId} attempt ${attempt} of query ${queryId} was superseded by attempt ${cur.attempt}`, { code: 'FENCED' });
    if (cur && attempt === cur.attempt) {
      if (cur.closed === null) return;
      throw new TributaryError(`batch ${batchId} attempt ${attempt} of query ${queryId} was already closed (${cur.closed})`, { code: 'NOT_OPEN', retriable: true });
    }
    if (cur) this.closeAttempt(q, cur, `superseded by attempt ${attempt}`);
    // A query runs one batch at a time: what earlier batches hold is no longer wanted.
    for (const [n, a] of [...q.batches]) {
      if (n >= batchId) continue;
      this.closeAttempt(q, a, `batch ${batchId} started`);
      if (n < batchId - 1) q.batches.delete(n);
    }
    const opened = new AttemptInbox(batchId, attempt, partitions, mapTaskIds);
    opened.timer = setTimeout(() => this.closeAttempt(q!, opened, `expired ${expireAfterMs} ms after it was opened`), expireAfterMs);
    opened.timer.unref();
    q.batches.set(batchId, opened);
  }

  /** Stores one map task's message for one partition, or says why not (and stores nothing). */
  push(queryId: string, batchId: BatchId, attempt: number, partition: number, msg: InboxMessage): PushRefusal | null {
    const what = `batch ${batchId} attempt ${attempt} of query ${queryId}`;
    const q = this.queries.get(queryId);
    const a = q?.batches.get(batchId);
    if (!q || !a || attempt > a.attempt) return { code: 'NOT_OPEN', message: `${what} is not open on this executor` };
    if (attempt < a.attempt) return { code: 'FENCED', message: `${what} was superseded by attempt ${a.attempt}` };
    if (a.closed !== null) return { code: 'NOT_OPEN', message: `${what} is closed (${a.closed})` };
    const byTask = a.messages.get(partition);
    if (!byTask) return { code: 'UNEXPECTED', message: `${what} does not have shuffle partition ${partition} on this executor` };
    if (!a.expected.has(msg.mapTaskId)) return { code: 'UNEXPECTED', message: `${what} expects no map task ${msg.mapTaskId}` };
    if (byTask.has(msg.mapTaskId)) return { code: 'UNEXPECTED', message: `${what} already has map task ${msg.mapTaskId}'s partials for partition ${partition}` };
    const size = msg.bytes.byteLength;
    if (q.bytes + size > this.maxBytesPerQuery) {
      const reason = `query ${queryId} would hold ${q.bytes + size} bytes of shuffle partials on this executor, over its bound of ${this.maxBytesPerQuery} bytes (executor option --shuffle-memory-per-query)`;
      this.closeAttempt(q, a, reason);
      return { code: 'RESOURCE_EXHAUSTED', message: `${what} failed: ${reason}` };
    }
    byTask.set(msg.mapTaskId, msg);
    a.bytes += size;
    q.bytes += size;
    q.lastUsedMs = Date.now();
    a.wake();
    return null;
  }

  /**
   * The message of each of `mapTaskIds` (the map tasks the attempt was opened for) for one partition, waiting up to `timeoutMs` for
   * stragglers (a push is acknowledged before its map task reports success, so normally none is
   * missing). Fails at once when the attempt is not open, and as soon as it is closed.
   */
  async take(queryId: string, batchId: BatchId, attempt: number, partition: number, mapTaskIds: number[], timeoutMs: number): Promise<InboxMessage[]> {
    const what = `batch ${batchId} attempt ${attempt} of query ${queryId}`;
    const a = this.queries.get(queryId)?.batches.get(batchId);
    const usable = (): TributaryError | null => {
      if (!a || a.attempt < attempt) return new TributaryError(`${what} was not opened on this executor`, { code: 'NOT_OPEN', retriable: true });
      if (a.attempt > attempt) return new TributaryError(`${what} was superseded by attempt ${a.attempt}`, { code: 'FENCED' });
      if (a.closed !== null) return new TributaryError(`${what} is closed (${a.closed})`, { code: 'NOT_OPEN', retriable: true });
      if (!a.messages.has(partition)) return new TributaryError(`${what} does not have shuffle partition ${partition} on this executor`, { code: 'UNEXPECTED', retriable: true });
      if (mapTaskIds.length !== a.expected.size || mapTaskIds.some((id) => !a.expected.has(id))) {
        return new TributaryError(`${what} was opened for map tasks ${[...a.expected].join(', ')}, not ${mapTaskIds.join(', ')}`, { code: 'UNEXPECTED', retriable: true });
      }
      return null;
    };
    const refused = usable();
    if (refused) throw refused;
    const byTask = a!.messages.get(partition)!;
    const complete = () => byTask.size === a!.expected.size;
    if (!complete()) {
      await new Promise<void>((resolve, reject) => {
        const done = (err: Error | null) => { clearTimeout(timer); a!.waiters.delete(check); if (err) reject(err); else resolve(); };
        const timer = setTimeout(() => {
          const missing = [...a!.expected].filter((id) => !byTask.has(id));
          done(new TributaryError(`missing shuffle input for ${what} partition ${partition}: map tasks ${missing.join(', ')}`, { retriable: true }));
        }, timeoutMs);
        const check = () => {
          const err = usable();
          if (err) done(err);
          else if (complete()) done(null);
        };
        a!.waiters.add(check);
      });
    }
    return mapTaskIds.map((id) => byTask.get(id)!);
  }

  /** Closes attempt (N, A) of the query, freeing its messages (after its reduce, or on abort). */
  close(queryId: string, batchId: BatchId, attempt: number, reason: string): void {
    const q = this.queries.get(queryId);
    const a = q?.batches.get(batchId);
    if (q && a && a.attempt === attempt) this.closeAttempt(q, a, reason);
  }

  /** Bytes held, and attempts open, over every query. */
  stats(): { heldBytes: number; openAttempts: number; queries: number } {
    let heldBytes = 0;
    let openAttempts = 0;
    for (const q of this.queries.values()) {
      heldBytes += q.bytes;
      for (const a of q.batches.values()) if (a.closed === null) openAttempts++;
    }
    return { heldBytes, openAttempts, queries: this.queries.size };
  }

  /** Closes everything (the executor is stopping). */
  closeAll(): void {
    for (const q of this.queries.values()) for (const a of q.batches.values()) this.closeAttempt(q, a, 'the executor is stopping');
    this.queries.clear();
  }

  private closeAttempt(q: QueryInbox, a: AttemptInbox, reason: string): void {
    if (a.closed !== null) return;
    a.closed = reason;
    if (a.timer) clearTimeout(a.timer);
    a.timer = null;
    q.bytes -= a.bytes;
    a.bytes = 0;
    a.messages.clear();
    a.wake();
  }

  private forgetIdleQueries(): void {
    const now = Date.now();
    for (const [id, q] of this.queries) {
      if (now - q.lastUsedMs > this.idleQueryMs && !q.hasOpen()) this.queries.delete(id);
    }
  }
}
