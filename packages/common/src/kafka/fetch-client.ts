/**
 * A minimal Kafka client for Fetch (and ListOffsets) over node:net: partition leaders from Metadata,
 * pooled connections per broker, and one Fetch at a time per partition reader with the error
 * handling a range read needs:
 * - OFFSET_OUT_OF_RANGE → DataLossError naming topic, partition and range (never a reset);
 * - leader moves, unknown topic/partition, storage errors → refresh metadata, back off, retry;
 * - connection loss or timeouts → reconnect with backoff; after the retries, UnavailableError;
 * - throttle_time_ms → the next request to that partition waits it out (KIP-219).
 * TLS and SASL as `security` asks (broker-connection.ts), on every connection.
 */
import { DataLossError, InvalidArgumentError, TributaryError, UnavailableError } from '../errors';
import { BrokerAddress, BrokerConnection, ConnectionOptions } from './broker-connection';
import { FETCH_API_KEY, FETCH_VERSION, FetchedPartition, readFetchResponse, writeFetchRequest } from './fetch-protocol';
import { kafkaErrorAction, kafkaErrorName } from './kafka-errors';
import type { KafkaSecurity } from './security';
import { METADATA_API_KEY, METADATA_VERSION, PartitionMetadata, readMetadataResponse, writeMetadataRequest } from './metadata';
import { LIST_OFFSETS_API_KEY, LIST_OFFSETS_VERSION, readListOffsetsResponse, writeListOffsetsRequest } from './list-offsets-protocol';
import {
  FIND_COORDINATOR_API_KEY, FIND_COORDINATOR_VERSION, OFFSET_COMMIT_API_KEY, OFFSET_COMMIT_VERSION, readFindCoordinatorResponse,
  readOffsetCommitResponse, writeFindCoordinatorRequest, writeOffsetCommitRequest,
} from './group-offsets-protocol';

export interface FetchClientOptions {
  brokers: readonly string[];
  clientId: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** How long the broker may hold a Fetch when it has no data (its long poll). */
  maxWaitMs: number;
  /** Attempts after the first one, for each request. */
  retries: number;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** TLS and SASL of every connection; plain text when absent. */
  security?: KafkaSecurity;
}

/** A fetched record set; `release` hands its memory back for the next fetch. */
export interface FetchResult extends FetchedPartition {
  release(): void;
}

/** Response buffers kept for reuse: two per concurrent read for a few reads. */
const MAX_FREE_BUFFERS = 8;

export class FetchClient {
  private readonly bootstrap: BrokerAddress[];
  private readonly brokers = new Map<number, BrokerAddress>();
  private readonly partitions = new Map<string, Map<number, PartitionMetadata>>();
  private readonly topicErrors = new Map<string, number>();
  private readonly idle = new Map<string, BrokerConnection[]>();
  private refreshing: Promise<void> | null = null;
  private readonly freeBuffers: Buffer[] = [];
  private metadataConnection: BrokerConnection | null = null;
  private closed = false;
  readonly connectionOptions: ConnectionOptions;

  constructor(readonly opts: FetchClientOptions) {
    if (opts.brokers.length === 0) throw new InvalidArgumentError('no Kafka brokers given');
    this.bootstrap = opts.brokers.map(parseBroker);
    this.connectionOptions = {
      clientId: opts.clientId,
      connectTimeoutMs: opts.connectTimeoutMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      security: opts.security,
    };
  }

  /** A reader of one partition; `label` names the range in errors. */
  partitionFetcher(topic: string, partition: number, label: string, maxBytes: number, readCommitted: boolean): PartitionFetcher {
    return new PartitionFetcher(this, topic, partition, label, maxBytes, readCommitted);
  }

  /**
   * ListOffsets for every partition of `topic` at `timestamp` (LATEST_TIMESTAMP: the end of the log
   * as the isolation level sees it; EARLIEST_TIMESTAMP: the log start), one request per leader.
   * Leader moves and transient errors are retried as for Fetch; an unknown topic fails once the
   * retries are spent.
   */
  async listOffsets(topic: string, timestamp: number, readCommitted: boolean): Promise<Map<number, bigint>> {
    const result = new Map<number, bigint>();
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (attempt > this.opts.retries) {
          throw new UnavailableError(`topic ${topic}: ListOffsets failed after ${attempt} attempts: ${(lastError as Error).message}`, {
            code: (lastError as TributaryError).code ?? 'UNAVAILABLE',
            cause: lastError,
          });
        }
        await sleep(this.backoffMs(attempt));
      }
      try {
        await this.refreshMetadata(topic);
        const partitions = [...(this.partitions.get(topic)?.keys() ?? [])];
        if (partitions.length === 0) await this.leaderOf(topic, 0, false); // throws, naming the topic's error
        const byLeader = new Map<string, { address: BrokerAddress; partitions: number[] }>();
        for (const p of partitions) {
          if (result.has(p)) continue;
          const address = await this.leaderOf(topic, p, false);
          const group = byLeader.get(key(address)) ?? { address, partitions: [] };
          group.partitions.push(p);
          byLeader.set(key(address), group);
        }
        for (const { address, partitions: asked } of byLeader.values()) {
          const conn = await this.lease(address);
          let body: Buffer;
          try {
            body = await conn.send(LIST_OFFSETS_API_KEY, LIST_OFFSETS_VERSION, (w) => writeListOffsetsRequest(w, topic, asked, timestamp, readCommitted));
          } finally {
            this.giveBack(conn);
          }
          for (const answer of readListOffsetsResponse(body, topic).partitions) {
            if (answer.errorCode === 0) {
              result.set(answer.partition, BigInt(answer.offset));
              continue;
            }
            const name = kafkaErrorName(answer.errorCode);
            const error = kafkaErrorAction(answer.errorCode) === 'fatal'
              ? new TributaryError(`topic ${topic} partition ${answer.partition}: ListOffsets failed with ${name}`, { code: name, retriable: false })
              : new UnavailableError(`topic ${topic} partition ${answer.partition}: ListOffsets answered ${name}`, { code: name });
            if (!error.retriable) throw error;
            lastError = error;
          }
        }
        if (partitions.every((p) => result.has(p))) return new Map(partitions.sort((a, b) => a - b).map((p) => [p, result.get(p)!]));
        lastError ??= new UnavailableError(`topic ${topic}: ListOffsets left partitions unanswered`);
      } catch (e) {
        if (!(e instanceof TributaryError) || !e.retriable) throw e;
        lastError = e;
      }
    }
  }

  /**
   * Commits `offsets` of `topic` for consumer group `groupId` at its coordinator, without joining
   * the group (group-offsets-protocol.ts). Coordinator moves and loading are retried as ListOffsets
   * errors are; a group with active members refuses (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION).
   */
  async commitGroupOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, bigint>): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (attempt > this.opts.retries) throw new UnavailableError(`group ${groupId}: OffsetCommit failed after ${attempt} attempts: ${(lastError as Error).message}`, { code: (lastError as TributaryError).code ?? 'UNAVAILABLE', cause: lastError });
        await sleep(this.backoffMs(attempt));
      }
      try {
        const found = readFindCoordinatorResponse(await (await this.anyConnection()).send(FIND_COORDINATOR_API_KEY, FIND_COORDINATOR_VERSION, (w) => writeFindCoordinatorRequest(w, groupId)));
        if (found.errorCode !== 0) throw this.groupError(groupId, 'FindCoordinator', found.errorCode);
        const conn = await this.lease({ host: found.host, port: found.port });
        let body: Buffer;
        try {
          body = await conn.send(OFFSET_COMMIT_API_KEY, OFFSET_COMMIT_VERSION, (w) => writeOffsetCommitRequest(w, groupId, topic, offsets));
        } finally {
          this.giveBack(conn);
        }
        const failed = readOffsetCommitResponse(body).find((p) => p.errorCode !== 0);
        if (failed) throw this.groupError(groupId, `OffsetCommit of partition ${failed.partition}`, failed.errorCode);
        return;
      } catch (e) {
        if (!(e instanceof TributaryError) || !e.retriable) throw e;
        lastError = e;
      }
    }
  }

  private groupError(groupId: string, what: string, code: number): TributaryError {
    const name = kafkaErrorName(code);
    // COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15), NOT_COORDINATOR (16): ask again
    return [14, 15, 16].includes(code) || kafkaErrorAction(code) !== 'fatal'
      ? new UnavailableError(`group ${groupId}: ${what} answered ${name}`, { code: name })
      : new TributaryError(`group ${groupId}: ${what} failed with ${name}`, { code: name, retriable: false });
  }

  /** The leader's address; throws a retriable error while the partition has none. */
  async leaderOf(topic: string, partition: number, refresh: boolean): Promise<BrokerAddress> {
    if (refresh || !this.partitions.get(topic)?.has(partition)) await this.refreshMetadata(topic);
    const p = this.partitions.get(topic)?.get(partition);
    if (p === undefined) {
      const code = this.topicErrors.get(topic) ?? 3;
      throw new UnavailableError(`topic ${topic} partition ${partition} is unknown to the cluster (${kafkaErrorName(code)})`, {
        code: 'UNKNOWN_TOPIC_OR_PARTITION',
      });
    }
    const address = this.brokers.get(p.leaderId);
    if (p.errorCode !== 0 && p.errorCode !== 9) {
      throw new UnavailableError(`topic ${topic} partition ${partition}: ${kafkaErrorName(p.errorCode)}`, { code: kafkaErrorName(p.errorCode) });
    }
    if (p.leaderId < 0 || address === undefined) {
      throw new UnavailableError(`topic ${topic} partition ${partition} has no leader right now`, { code: 'LEADER_NOT_AVAILABLE' });
    }
    return address;
  }

  /** One metadata refresh at a time; concurrent callers share it. */
  private refreshMetadata(topic: string): Promise<void> {
    if (!this.refreshing) {
      const topics = new Set([...this.partitions.keys(), topic]);
      this.refreshing = this.fetchMetadata([...topics]).finally(() => {
        this.refreshing = null;
      });
    } else if (!this.partitions.has(topic)) {
      return this.refreshing.then(() => (this.partitions.has(topic) ? undefined : this.refreshMetadata(topic)));
    }
    return this.refreshing;
  }

  private async fetchMetadata(topics: string[]): Promise<void> {
    const conn = await this.anyConnection();
    const body = await conn.send(METADATA_API_KEY, METADATA_VERSION, (w) => writeMetadataRequest(w, topics));
    const md = readMetadataResponse(body);
    for (const [id, address] of md.brokers) this.brokers.set(id, address);
    for (const [name, t] of md.topics) {
      if (t.errorCode === 0) {
        this.partitions.set(name, t.partitions);
        this.topicErrors.delete(name);
      } else {
        this.partitions.delete(name);
        this.topicErrors.set(name, t.errorCode);
      }
    }
  }

  /** A connection for metadata: the last one if alive, else known brokers then bootstrap ones. */
  private async anyConnection(): Promise<BrokerConnection> {
    if (this.metadataConnection?.usable) return this.metadataConnection;
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    let last: unknown;
    for (const address of candidates) {
      try {
        this.metadataConnection = await BrokerConnection.connect(address, this.connectionOptions);
        return this.metadataConnection;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  async lease(address: BrokerAddress): Promise<BrokerConnection> {
    if (this.closed) throw new TributaryError('the Kafka range reader is closed', { code: 'CLOSED' });
    const idle = this.idle.get(key(address));
    while (idle && idle.length > 0) {
      const conn = idle.pop()!;
      if (conn.usable) return conn;
    }
    return BrokerConnection.connect(address, this.connectionOptions);
  }

  /** Returns a connection with nothing in flight to the pool; others are closed. */
  giveBack(conn: BrokerConnection): void {
    if (this.closed || !conn.usable || conn.inFlight > 0) {
      conn.close();
      return;
    }
    const k = key(conn.address);
    const list = this.idle.get(k) ?? [];
    list.push(conn);
    this.idle.set(k, list);
  }

  /**
   * Memory for a fetch response: a free buffer big enough, else a new one sized for a full fetch.
   * Buffers are kept across reads because fresh multi-MiB allocations cost page faults; a read
   * holds two at a time (one decoded while the next fetch fills the other).
   */
  takeBuffer(size: number, maxBytes: number): Buffer {
    const free = this.freeBuffers;
    for (let i = 0; i < free.length; i++) {
      if (free[i].length >= size) return free.splice(i, 1)[0];
    }
    return Buffer.allocUnsafeSlow(Math.max(size, Math.min(maxBytes + 4096, 64 << 20)));
  }

  returnBuffer(buf: Buffer): void {
    if (this.freeBuffers.length < MAX_FREE_BUFFERS) this.freeBuffers.push(buf);
  }

  backoffMs(attempt: number): number {
    const base = Math.min(this.opts.maxRetryBackoffMs, this.opts.retryBackoffMs * 2 ** (attempt - 1));
    return base * (0.8 + 0.4 * Math.random());
  }

  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of list) c.close();
    this.idle.clear();
    this.freeBuffers.length = 0;
    this.metadataConnection?.close();
    this.metadataConnection = null;
  }
}

/** Fetches one partition for one range read, keeping its connection to the leader. */
export class PartitionFetcher {
  private conn: BrokerConnection | null = null;
  private throttleUntil = 0;

  constructor(
    private readonly client: FetchClient,
    readonly topic: string,
    readonly partition: number,
    private readonly label: string,
    public maxBytes: number,
    private readonly readCommitted: boolean,
  ) {}

  async fetch(offset: number, signal?: AbortSignal): Promise<FetchResult> {
    const opts = this.client.opts;
    let refresh = false;
    let lastError: unknown;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (attempt > opts.retries) {
          throw new UnavailableError(`${this.label}: Fetch failed after ${attempt} attempts: ${(lastError as Error).message}`, {
            code: (lastError as TributaryError).code ?? 'UNAVAILABLE',
            cause: lastError,
          });
        }
        await sleep(this.client.backoffMs(attempt), signal);
      }
      signal?.throwIfAborted();
      try {
        if (this.conn === null || !this.conn.usable) {
          this.conn = null;
          const leader = await this.client.leaderOf(this.topic, this.partition, refresh);
          this.conn = await this.client.lease(leader);
        }
        const wait = this.throttleUntil - Date.now();
        if (wait > 0) await sleep(wait, signal);
        const result = await this.sendFetch(this.conn, offset);
        if (result.throttleTimeMs > 0) this.throttleUntil = Date.now() + result.throttleTimeMs;
        if (result.errorCode === 0) return result;
        result.release();
        const error = this.errorFor(result.errorCode, offset);
        if (!error.retriable) throw error;
        lastError = error;
        if (kafkaErrorAction(result.errorCode) === 'refresh') {
          this.client.giveBack(this.conn);
          this.conn = null;
          refresh = true;
        }
      } catch (e) {
        if (!(e instanceof TributaryError) || !e.retriable) throw e;
        lastError = e;
        refresh = true;
      }
    }
  }

  private async sendFetch(conn: BrokerConnection, offset: number): Promise<FetchResult> {
    const opts = this.client.opts;
    let buffer: Buffer | null = null;
    const body = await conn.send(
      FETCH_API_KEY,
      FETCH_VERSION,
      (w) =>
        writeFetchRequest(w, {
          topic: this.topic,
          partition: this.partition,
          offset,
          maxWaitMs: opts.maxWaitMs,
          maxBytes: this.maxBytes,
          readCommitted: this.readCommitted,
        }),
      {
        timeoutMs: opts.requestTimeoutMs + opts.maxWaitMs,
        allocate: (size) => (buffer = this.client.takeBuffer(size, this.maxBytes)),
      },
    );
    let released = false;
    const release = () => {
      if (!released && buffer) this.client.returnBuffer(buffer);
      released = true;
    };
    try {
      return Object.assign(readFetchResponse(body, this.topic, this.partition), { release });
    } catch (e) {
      release();
      throw new UnavailableError(`${this.label}: malformed Fetch response: ${(e as Error).message}`, { code: 'KAFKA_PROTOCOL', cause: e });
    }
  }

  /** The error a partition error code stands for: thrown unless `retriable`. */
  private errorFor(code: number, offset: number): TributaryError {
    const name = kafkaErrorName(code);
    switch (kafkaErrorAction(code)) {
      case 'out_of_range':
        return new DataLossError(
          `${this.label}: offset ${offset} is out of range on the broker (${name}): ` +
            `the records were deleted (retention, deleteRecords) or lie past the end of the log`,
        );
      case 'fatal':
        return new TributaryError(`${this.label}: Fetch failed with ${name}`, { code: name, retriable: false });
      default:
        return new UnavailableError(`${this.label}: Fetch answered ${name}`, { code: name });
    }
  }

  /** Ends this reader's use of its connection: pooled when idle, closed when a fetch is in flight. */
  close(): void {
    if (this.conn) this.client.giveBack(this.conn);
    this.conn = null;
  }
}

function parseBroker(s: string): BrokerAddress {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new InvalidArgumentError(`bad Kafka broker address "${s}": expected host:port`);
  }
  return { host: s.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}

function key(a: BrokerAddress): string {
  return `${a.host}:${a.port}`;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
