/**
 * Reads exact offset ranges [from, to) of topic-partitions, with no consumer group.
 *
 * Per range: fetch at `from`; walk the response's batch headers to learn the next offset and send
 * that fetch at once (prefetch), then decode the complete batches of this response into chunks and
 * hand each to the caller, awaiting it. The broker starts a response at the batch holding the fetch
 * offset, so records below it are dropped; records at or past `to` are ignored; a batch cut by the
 * size limit is refetched whole; compaction gaps and control batches are stepped over.
 *
 * With `prefetchNext`, a range read to its end leaves a fetch at `to` in flight for the range that
 * usually follows (the next micro-batch reads each partition from where the last one ended). A
 * read of that partition starting exactly there takes the response over; any other read of the
 * partition, an error in that fetch, `close()` or 10 s without use discards it. At most one per
 * partition is held. The response is a Fetch like any other: records at an offset never change, so
 * an early answer only holds fewer records, and the read fetches the rest.
 *
 * The end of the readable log (the high watermark; the last stable offset under read_committed)
 * below `to` is waited for up to `endWaitMs` (a new leader's high watermark may lag briefly), then:
 * DataLossError when the records are not in the log, UnavailableError when an open transaction
 * holds the last stable offset back.
 */
import type { KafkaSecurity } from './security';
import { DataLossError, InvalidArgumentError, UnavailableError } from '../errors';
import { FetchClient, FetchResult, PartitionFetcher, sleep } from './fetch-client';
import { RecordBatchDecoder, scanRecordSet } from './record-batch';
import type { RecordChunk } from './record-chunk';

/** The records of `topic`/`partition` with offsets in [from, to). */
export interface PartitionRange {
  topic: string;
  partition: number;
  from: bigint;
  to: bigint;
}

export interface ReadStats {
  /** Records handed to the callback. */
  records: number;
  /** Record-set bytes received (compressed size). */
  bytesFetched: number;
  fetches: number;
  /** Time spent waiting for fetch responses (not overlapped with decoding or the callback). */
  fetchMs: number;
  /** Time spent decoding (including decompression and CRC checks). */
  decodeMs: number;
  /** Time spent in the callback. */
  deliverMs: number;
  /** 1 when the first fetch was the one left in flight by the previous range (prefetchNext). */
  prefetched: number;
}

export interface RangeReader {
  /**
   * Calls onChunk for consecutive chunks covering exactly [from, to) (skipping gaps and control
   * records); resolves when `to` is reached. The next fetch is in flight while onChunk runs.
   */
  read(range: PartitionRange, onChunk: (chunk: RecordChunk) => void | Promise<void>, signal?: AbortSignal): Promise<ReadStats>;
  close(): Promise<void>;
}

export interface RangeReaderOptions {
  /** host:port of one or more brokers. */
  brokers: string[];
  clientId?: string;
  /** TLS and SASL (kafkaSecurityFromOptions); plain text when absent. */
  security?: KafkaSecurity;
  /** Fetch max_bytes and partition_max_bytes. Default 8 MiB. */
  maxBytesPerFetch?: number;
  /** Default read_uncommitted. read_committed drops records of aborted transactions. */
  isolation?: 'read_uncommitted' | 'read_committed';
  /** Records per chunk. Default 32768. */
  chunkCapacity?: number;
  /** Verify each batch's CRC-32C. Default true. */
  verifyCrc?: boolean;
  /** The broker's long poll when it has nothing to return. Default 500 ms. */
  maxWaitMs?: number;
  /** How long the end of the readable log may stay below `to`. Default 10 s. */
  endWaitMs?: number;
  /** Retries of each Fetch after leader changes or connection loss. Default 10. */
  retries?: number;
  /** First backoff between retries, doubling up to 5 s. Default 100 ms. */
  retryBackoffMs?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Leave a fetch at the end of each range read in flight, for the range that follows. Default false. */
  prefetchNext?: boolean;
}

/** A fetch left in flight at the end of a range (see prefetchNext). Its result is null on error. */
interface Prefetch { at: number; fetcher: PartitionFetcher; result: Promise<FetchResult | null>; timer: NodeJS.Timeout }

const PREFETCH_TTL_MS = 10_000;

export async function createRangeReader(opts: RangeReaderOptions): Promise<RangeReader> {
  return new KafkaRangeReader(opts);
}

class KafkaRangeReader implements RangeReader {
  private readonly client: FetchClient;
  private readonly maxBytes: number;
  private readonly readCommitted: boolean;
  private readonly endWaitMs: number;
  private readonly maxWaitMs: number;
  private readonly idleDecoders: RecordBatchDecoder[] = [];
  /** topic/partition → the fetch left in flight at the end of its last range. */
  private readonly prefetches = new Map<string, Prefetch>();

  constructor(private readonly opts: RangeReaderOptions) {
    this.maxBytes = opts.maxBytesPerFetch ?? 8 << 20;
    if (!(this.maxBytes >= 1024)) throw new InvalidArgumentError(`maxBytesPerFetch ${opts.maxBytesPerFetch} is below 1024`);
    this.readCommitted = opts.isolation === 'read_committed';
    this.endWaitMs = opts.endWaitMs ?? 10_000;
    this.maxWaitMs = opts.maxWaitMs ?? 500;
    this.client = new FetchClient({
      brokers: opts.brokers,
      clientId: opts.clientId ?? 'tributary',
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
      maxWaitMs: this.maxWaitMs,
      retries: opts.retries ?? 10,
      retryBackoffMs: opts.retryBackoffMs ?? 100,
      maxRetryBackoffMs: 5_000,
      security: opts.security,
    });
  }

  async read(
    range: PartitionRange,
    onChunk: (chunk: RecordChunk) => void | Promise<void>,
    signal?: AbortSignal,
  ): Promise<ReadStats> {
    const { topic, partition } = range;
    const label = `topic ${topic} partition ${partition} range [${range.from}, ${range.to})`;
    checkRange(range, label);
    const to = Number(range.to);
    const stats: ReadStats = { records: 0, bytesFetched: 0, fetches: 0, fetchMs: 0, decodeMs: 0, deliverMs: 0, prefetched: 0 };
    let offset = Number(range.from);
    if (offset >= to) return stats;

    const key = `${topic}/${partition}`;
    const ahead = this.takePrefetch(key, offset);
    let early: FetchResult | null = null;
    if (ahead) {
      try {
        early = await abortable(ahead.result, signal);
      } catch (error) {
        discard(ahead);
        throw error;
      }
      if (!early) ahead.fetcher.close();
    }
    const fetcher = early ? (ahead as Prefetch).fetcher : this.client.partitionFetcher(topic, partition, label, this.maxBytes, this.readCommitted);
    stats.prefetched = early ? 1 : 0;
    const decoder = this.idleDecoders.pop() ?? new RecordBatchDecoder({
      capacity: this.opts.chunkCapacity,
      verifyCrc: this.opts.verifyCrc,
      readCommitted: this.readCommitted,
    });
    // A prefetch may fail while the callback runs: mark it handled now, its error surfaces when awaited.
    const fetchAt = (at: number): Promise<FetchResult> => {
      const p = fetcher.fetch(at, signal);
      p.catch(() => undefined);
      return p;
    };
    let pending: Promise<FetchResult> | null = early ? Promise.resolve(early) : fetchAt(offset);
    let handedOn = false;
    let stuckSince = -1;
    try {
      while (offset < to) {
        let t = performance.now();
        const res: FetchResult = await abortable(pending!, signal);
        pending = null;
        stats.fetchMs += performance.now() - t;
        stats.fetches++;
        stats.bytesFetched += res.records.length;
        const scan = scanRecordSet(res.records, offset);

        if (scan.completeBatches === 0) {
          res.release();
          if (scan.truncatedBatchBytes > fetcher.maxBytes) {
            fetcher.maxBytes = scan.truncatedBatchBytes; // a batch above the limit (only from old brokers)
          } else {
            const now = performance.now();
            if (stuckSince < 0) stuckSince = now;
            else if (now - stuckSince > this.endWaitMs) throw this.endOfLogError(label, offset, res);
            // The broker already long-polled; an empty answer below its end is retried after a pause.
            const end = this.readCommitted ? res.lastStableOffset : res.highWatermark;
            if (offset < end) await sleep(Math.min(100, this.maxWaitMs), signal);
          }
          pending = fetchAt(offset);
          continue;
        }
        stuckSince = -1;
        const next = scan.nextOffset;
        if (next < to) pending = fetchAt(next);

        decoder.begin(topic, partition, res.records.subarray(0, scan.completeBytes), offset, to, res.aborted);
        for (;;) {
          t = performance.now();
          const chunk = decoder.next();
          const t2 = performance.now();
          stats.decodeMs += t2 - t;
          if (chunk === null) break;
          stats.records += chunk.count;
          await onChunk(chunk);
          stats.deliverMs += performance.now() - t2;
          signal?.throwIfAborted();
        }
        res.release();
        offset = next;
      }
      if (this.opts.prefetchNext) {
        this.leavePrefetch(key, to, fetcher);
        handedOn = true;
      }
      return stats;
    } finally {
      // A fetch still in flight (after an error) is abandoned: its connection is closed, not pooled.
      if (pending) pending.then((r) => r.release(), () => undefined);
      if (!handedOn) fetcher.close();
      this.idleDecoders.push(decoder);
    }
  }

  /** The prefetch of this partition if it was sent at `at`; any other one is discarded. */
  private takePrefetch(key: string, at: number): Prefetch | undefined {
    const p = this.prefetches.get(key);
    if (!p) return undefined;
    this.prefetches.delete(key);
    clearTimeout(p.timer);
    if (p.at === at) return p;
    discard(p);
    return undefined;
  }

  private leavePrefetch(key: string, at: number, fetcher: PartitionFetcher): void {
    const old = this.prefetches.get(key);
    if (old) {
      clearTimeout(old.timer);
      discard(old);
    }
    const result = fetcher.fetch(at).catch(() => null); // not the task's signal: it outlives the task
    const p: Prefetch = {
      at, fetcher, result,
      timer: setTimeout(() => {
        if (this.prefetches.get(key) === p) {
          this.prefetches.delete(key);
          discard(p);
        }
      }, PREFETCH_TTL_MS).unref(),
    };
    this.prefetches.set(key, p);
  }

  private endOfLogError(label: string, offset: number, res: FetchResult): Error {
    const waited = `after waiting ${this.endWaitMs} ms at offset ${offset}`;
    if (this.readCommitted && res.highWatermark > offset) {
      return new UnavailableError(
        `${label}: the last stable offset stays at ${res.lastStableOffset} ${waited}: an open transaction holds it back`,
        { code: 'KAFKA_UNSTABLE_OFFSET' },
      );
    }
    return new DataLossError(
      `${label}: the log ends at offset ${res.highWatermark} (high watermark) ${waited}; ` +
        `records up to the range end are not in the log`,
    );
  }

  async close(): Promise<void> {
    for (const p of this.prefetches.values()) {
      clearTimeout(p.timer);
      discard(p);
    }
    this.prefetches.clear();
    this.client.close();
  }
}

function discard(p: Prefetch): void {
  p.fetcher.close();
  p.result.then((r) => r?.release(), () => undefined);
}

function checkRange(range: PartitionRange, label: string): void {
  if (typeof range.from !== 'bigint' || typeof range.to !== 'bigint') {
    throw new InvalidArgumentError(`${label}: offsets must be bigints`);
  }
  if (range.from < 0n || range.to < range.from || range.to > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidArgumentError(`${label}: not a valid offset range`);
  }
  if (!Number.isInteger(range.partition) || range.partition < 0) {
    throw new InvalidArgumentError(`${label}: bad partition`);
  }
}

/** The promise, or the signal's reason as soon as it aborts. */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
