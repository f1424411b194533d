import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { InvalidArgumentError } from '../errors';
import { connectRedis } from '../state/redis-blobs';
import type { RedisConnection } from '../state/redis-connection';

/**
 * The driver lease of a cluster in Redis (docs/standby-driver.md):
 *
 *     tributary:<cluster>:driver-lease         "<token> <holder> <address>", with a TTL (PX)
 *     tributary:<cluster>:driver-lease-token   counter: the last fencing token handed out
 *
 * Acquire (one script): if the lease key is absent, INCR the counter and SET the lease key NX PX ttl
 * with the new token; so every acquisition gets a token greater than every earlier one, and a
 * holder's token tells a later leader from an earlier one forever (the counter never expires).
 * Renew and release compare the whole value: only the holder of that token may extend or drop it.
 * Every call is one try; callers decide about retries and about what a failure means.
 */

/** The holder of the lease as Redis has it. */
export interface LeaseHolder {
  /** The fencing token of this acquisition: increases with every acquisition of the cluster's lease. */
  readonly token: number;
  /** Unique per driver process (and per acquisition attempt series). */
  readonly holder: string;
  /** Where the holder serves clients and executors (host:port). */
  readonly address: string;
}

/** KEYS[1] lease, KEYS[2] counter; ARGV[1] "<holder> <address>", ARGV[2] ttl ms. {1, token} acquired, {0, value} held. */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then return {0, current} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], tostring(token) .. ' ' .. ARGV[1], 'PX', ARGV[2], 'NX')
return {1, token}
`;
/** KEYS[1] lease; ARGV[1] the holder's whole value, ARGV[2] ttl ms. 1 extended, 0 not ours (gone or taken). */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
/** KEYS[1] lease; ARGV[1] the holder's whole value. 1 deleted, 0 not ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const SCRIPTS = { ACQUIRE, RENEW, RELEASE } as const;
const SHA = Object.fromEntries(Object.entries(SCRIPTS).map(([k, s]) => [k, createHash('sha1').update(s).digest('hex')])) as Record<keyof typeof SCRIPTS, string>;

export interface RedisLeaseOptions {
  host: string;
  port: number;
  /** Credentials and TLS of that Redis (e.g. the driver's own `--redis` connection when it is the same server). */
  auth?: Pick<RedisConnection, 'username' | 'password' | 'tls'>;
  /** The cluster's name: drivers of one cluster share its lease. [A-Za-z0-9_.-], 1–64 characters. */
  cluster: string;
  /** Per-command timeout (default 1 s: a lease call that takes longer is of no use anyway). */
  commandTimeoutMs?: number;
  onError?: (error: Error) => void;
}

export class RedisLease {
  readonly leaseKey: string;
  readonly counterKey: string;
  private readonly redis: Redis;
  private readonly timeoutMs: number;

  constructor(opts: RedisLeaseOptions) {
    if (!/^[\w.-]{1,64}$/.test(opts.cluster)) throw new InvalidArgumentError(`cluster name must be 1–64 characters of [A-Za-z0-9_.-], got '${opts.cluster}'`);
    this.leaseKey = `tributary:${opts.cluster}:driver-lease`;
    this.counterKey = `tributary:${opts.cluster}:driver-lease-token`;
    this.timeoutMs = opts.commandTimeoutMs ?? 1_000;
    this.redis = connectRedis({ ...opts.auth, host: opts.host, port: opts.port }, this.timeoutMs, opts.onError ?? (() => {}));
  }

  /** Takes the lease for `ttlMs` if nobody holds it; returns the new holder, or the current one. */
  async acquire(holder: string, address: string, ttlMs: number): Promise<{ acquired: boolean; holder: LeaseHolder }> {
    checkWord('holder', holder);
    checkWord('address', address);
    const [status, value] = (await this.run('ACQUIRE', [this.leaseKey, this.counterKey], [`${holder} ${address}`, String(ttlMs)])) as [number, number | string];
    if (status === 1) return { acquired: true, holder: { token: Number(value), holder, address } };
    return { acquired: false, holder: parseValue(String(value)) };
  }

  /** Extends the lease by `ttlMs` from now if `h` still holds it; false when it does not. */
  async renew(h: LeaseHolder, ttlMs: number): Promise<boolean> {
    return (await this.run('RENEW', [this.leaseKey], [valueOf(h), String(ttlMs)])) === 1;
  }

  /** Whether `h` holds the lease right now (one GET compared with h's value). */
  async holds(h: LeaseHolder): Promise<boolean> {
    await this.connected();
    return (await this.redis.get(this.leaseKey)) === valueOf(h);
  }

  /** Drops the lease if `h` holds it (a clean shutdown: the standby need not wait for the TTL). */
  async release(h: LeaseHolder): Promise<boolean> {
    return (await this.run('RELEASE', [this.leaseKey], [valueOf(h)])) === 1;
  }

  /** The current holder, if any. */
  async current(): Promise<LeaseHolder | undefined> {
    await this.connected();
    const v = await this.redis.get(this.leaseKey);
    return v === null ? undefined : parseValue(v);
  }

  close(): void {
    this.redis.disconnect();
  }

  /**
   * The client queues nothing while disconnected: a call waits (up to the command timeout) for a
   * connection being made, and fails at once when there is none to wait for.
   */
  private async connected(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(t); this.redis.off('ready', done); resolve(); };
      const t = setTimeout(done, this.timeoutMs);
      this.redis.once('ready', done);
    });
  }

  private async run(name: keyof typeof SCRIPTS, keys: string[], args: string[]): Promise<unknown> {
    await this.connected();
    try {
      return await this.redis.evalsha(SHA[name], keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      await this.redis.script('LOAD', SCRIPTS[name]);
      return this.redis.evalsha(SHA[name], keys.length, ...keys, ...args);
    }
  }
}

function valueOf(h: LeaseHolder): string {
  return `${h.token} ${h.holder} ${h.address}`;
}

function parseValue(v: string): LeaseHolder {
  const [token, holder, address] = v.split(' ');
  return { token: Number(token), holder: holder ?? '', address: address ?? '' };
}

function checkWord(what: string, v: string): void {
  if (!/^[^\s]{1,200}$/.test(v)) throw new InvalidArgumentError(`lease ${what} must be 1–200 characters without spaces, got '${v}'`);
}
