/**
 * Which driver of a cluster leads (docs/standby-driver.md). Drivers started with a lease compete
 * for it; the holder leads, the others stand by.
 *
 * Leader: renews every ttl/3. The lease is valid, in this process's view, until `ttl` after the
 * moment the last successful renewal was *sent* (a monotonic clock, which runs on while the process
 * is frozen): Redis counts the ttl from when it received the call, never earlier, so this view
 * ends no later than Redis's. Deposed — stops leading at once, for good — when
 *   - a renewal is answered "not yours" (the lease expired and another driver took it), or
 *   - the local validity ends without a successful renewal (Redis unreachable, or this process
 *     was frozen or starved past the ttl), or
 *   - a write check (assertLeader) finds either of the above.
 * Listeners of onDeposed run synchronously from there, before the refused write's error reaches
 * its caller, so a query loop is already told to stop when it sees the error.
 *
 * Standby: tries to acquire every ttl/4 (at most 500 ms) until it gets the lease; remembers where
 * the leader serves, so refusals can name it.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { TributaryError, type LeaseHolder } from '@tributary/common';

/** The lease operations leadership needs (common/lease RedisLease; a fake in unit tests). */
export interface LeaseStore {
  acquire(holder: string, address: string, ttlMs: number): Promise<{ acquired: boolean; holder: LeaseHolder }>;
  renew(h: LeaseHolder, ttlMs: number): Promise<boolean>;
  holds(h: LeaseHolder): Promise<boolean>;
  release(h: LeaseHolder): Promise<boolean>;
  close(): void;
}

export const NOT_LEADER = 'NOT_LEADER';

/** Refused because this driver does not lead (retriable: over gRPC UNAVAILABLE, so callers try another driver). */
export function notLeaderError(what: string, leaderAddress: string | undefined): TributaryError {
  const where = leaderAddress ? `; the leader is at ${leaderAddress}` : '; no leader is known yet';
  return new TributaryError(`${what}: this driver is not the leader (standby or deposed)${where}`, { code: NOT_LEADER, retriable: true });
}

/** What the driver asks of leadership; a driver without a lease always leads (soleLeadership). */
export interface Leadership {
  /** True while this driver leads (its local view of the lease). */
  isLeader(): boolean;
  /** The fencing token of the current leadership; undefined without a lease. */
  token(): number | undefined;
  /** The leader's address when known (standby: from the lease). */
  leaderAddress(): string | undefined;
  /** Throws NOT_LEADER (and deposes) unless this driver still holds the lease, checked with Redis. */
  assertLeader(what: string): Promise<void>;
  onDeposed(listener: (reason: string) => void): void;
  /** Resolves once this driver leads (at once for soleLeadership). */
  awaitLeadership(): Promise<void>;
  close(): Promise<void>;
}

/** A driver alone in its cluster: it always leads and nothing is checked. */
export function soleLeadership(address: string): Leadership {
  return {
    isLeader: () => true,
    token: () => undefined,
    leaderAddress: () => address,
    assertLeader: async () => {},
    onDeposed: () => {},
    awaitLeadership: async () => {},
    close: async () => {},
  };
}

export interface LeaseLeadershipOptions {
  store: LeaseStore;
  /** Where this driver serves (host:port), recorded in the lease for standbys' refusals. */
  address: string;
  ttlMs: number;
  log: (m: string) => void;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
}

type Phase = { kind: 'standby' } | { kind: 'leader'; holder: LeaseHolder; validUntil: number } | { kind: 'deposed'; reason: string } | { kind: 'closed' };

export class LeaseLeadership implements Leadership {
  private phase: Phase = { kind: 'standby' };
  private readonly holderId = randomUUID();
  private readonly listeners: ((reason: string) => void)[] = [];
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private lastSeenLeader: LeaseHolder | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: LeaseLeadershipOptions) {
    if (!(opts.ttlMs >= 300)) throw new RangeError(`lease ttl must be at least 300 ms, got ${opts.ttlMs}`);
    this.now = opts.now ?? (() => performance.now());
  }

  isLeader(): boolean {
    return this.phase.kind === 'leader' && this.now() < this.phase.validUntil;
  }

  token(): number | undefined {
    return this.phase.kind === 'leader' ? this.phase.holder.token : undefined;
  }

  leaderAddress(): string | undefined {
    if (this.phase.kind === 'leader') return this.opts.address;
    return this.lastSeenLeader?.address;
  }

  onDeposed(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Tries to acquire until it succeeds (or close()). A driver that was deposed competes again as a
   * standby: its new leadership, if any, has a new, greater token.
   */
  awaitLeadership(): Promise<void> {
    if (this.phase.kind === 'deposed') this.phase = { kind: 'standby' };
    const pollMs = Math.min(500, Math.floor(this.opts.ttlMs / 4));
    let announced = '';
    return new Promise((resolve, reject) => {
      const attempt = async () => {
        this.pollTimer = undefined;
        if (this.phase.kind === 'closed') { reject(new TributaryError('closed while standing by', { code: 'STOPPED' })); return; }
        const sent = this.now();
        try {
          const r = await this.opts.store.acquire(this.holderId, this.opts.address, this.opts.ttlMs);
          if (r.acquired) {
            this.lastSeenLeader = r.holder;
            this.becomeLeader(r.holder, sent);
            resolve();
            return;
          }
          this.lastSeenLeader = r.holder;
          const line = `standing by: the leader is ${r.holder.address} (fencing token ${r.holder.token})`;
          if (line !== announced) { this.opts.log(line); announced = line; }
        } catch (err) {
          const line = `standing by: cannot reach the lease in Redis: ${(err as Error).message}`;
          if (line !== announced) { this.opts.log(line); announced = line; }
        }
        if ((this.phase.kind as Phase['kind']) === 'closed') { reject(new TributaryError('closed while standing by', { code: 'STOPPED' })); return; }
        this.pollTimer = setTimeout(attempt, pollMs);
      };
      void attempt();
    });
  }

  async assertLeader(what: string): Promise<void> {
    const p = this.phase;
    if (p.kind !== 'leader') throw this.refused(what);
    if (this.now() >= p.validUntil) {
      this.depose(`the lease was not renewed within its ${this.opts.ttlMs} ms`);
      throw this.refused(what);
    }
    let holds: boolean;
    try {
      holds = await this.opts.store.holds(p.holder);
    } catch (err) {
      // Cannot confirm: refuse this write (the loop retries it), but stay leader until the local validity ends.
      throw new TributaryError(`${what}: cannot confirm the driver lease in Redis: ${(err as Error).message}`, { code: 'UNAVAILABLE', retriable: true, cause: err });
    }
    if (!holds || this.phase !== p) {
      this.depose(`the lease (fencing token ${p.holder.token}) is no longer held by this driver`);
      throw this.refused(what);
    }
  }

  /** A protocol write refused: logged, since the loop that asked ends quietly once deposed. */
  private refused(what: string): TributaryError {
    const error = notLeaderError(what, this.leaderAddress());
    this.opts.log(`refused ${error.message}`);
    return error;
  }

  async close(): Promise<void> {
    const p = this.phase;
    this.phase = { kind: 'closed' };
    this.clearTimers();
    if (p.kind === 'leader') {
      // A clean shutdown hands over at once instead of after the ttl.
      await this.opts.store.release(p.holder).catch(() => false);
    }
    this.opts.store.close();
  }

  private becomeLeader(holder: LeaseHolder, sentAt: number): void {
    this.phase = { kind: 'leader', holder, validUntil: sentAt + this.opts.ttlMs };
    this.opts.log(`leading: acquired the driver lease with fencing token ${holder.token} (ttl ${this.opts.ttlMs} ms)`);
    this.armExpiry();
    this.scheduleRenew();
  }

  private scheduleRenew(): void {
    this.renewTimer = setTimeout(() => void this.renew(), Math.floor(this.opts.ttlMs / 3));
  }

  private async renew(): Promise<void> {
    const p = this.phase;
    if (p.kind !== 'leader') return;
    const sent = this.now();
    if (sent >= p.validUntil) { this.depose(`the lease was not renewed within its ${this.opts.ttlMs} ms`); return; }
    try {
      const ok = await this.opts.store.renew(p.holder, this.opts.ttlMs);
      if (this.phase !== p) return;
      if (!ok) { this.depose(`the lease (fencing token ${p.holder.token}) was taken over: it expired before this driver renewed it`); return; }
      if (this.now() >= p.validUntil) { this.depose(`the lease was not renewed within its ${this.opts.ttlMs} ms`); return; }
      p.validUntil = sent + this.opts.ttlMs;
      this.armExpiry();
    } catch (err) {
      if (this.phase !== p) return;
      this.opts.log(`WARN cannot renew the driver lease (valid ${Math.max(0, Math.round(p.validUntil - this.now()))} ms more): ${(err as Error).message}`);
    }
    this.scheduleRenew();
  }

  /** Deposes when the local validity ends, whatever the renew loop is doing. */
  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const p = this.phase;
    if (p.kind !== 'leader') return;
    this.expiryTimer = setTimeout(() => {
      if (this.phase === p && this.now() >= p.validUntil) this.depose(`the lease was not renewed within its ${this.opts.ttlMs} ms`);
      else if (this.phase === p) this.armExpiry();
    }, Math.max(1, Math.ceil(p.validUntil - this.now())));
  }

  private depose(reason: string): void {
    if (this.phase.kind !== 'leader') return;
    this.phase = { kind: 'deposed', reason };
    this.lastSeenLeader = undefined; // not us any more; the next acquisition attempt learns who
    this.clearTimers();
    this.opts.log(`DEPOSED: ${reason}; this driver stops leading at once (no further protocol writes)`);
    for (const l of this.listeners) l(reason);
  }

  private clearTimers(): void {
    for (const t of [this.renewTimer, this.expiryTimer, this.pollTimer]) if (t) clearTimeout(t);
    this.renewTimer = this.expiryTimer = this.pollTimer = undefined;
  }
}
