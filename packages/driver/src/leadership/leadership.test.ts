import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { LeaseHolder, RedisLease, testRedis, TributaryError } from '@tributary/common';
import { LeaseLeadership, LeaseStore, NOT_LEADER } from './leadership';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real lease, with renewals that can be made to hang (a leader cut off from Redis). */
class CutOffStore implements LeaseStore {
  cut = false;
  constructor(private readonly real: RedisLease) {}
  acquire(holder: string, address: string, ttlMs: number) { return this.real.acquire(holder, address, ttlMs); }
  renew(h: LeaseHolder, ttlMs: number) { return this.cut ? new Promise<boolean>(() => {}) : this.real.renew(h, ttlMs); }
  holds(h: LeaseHolder) { return this.cut ? Promise.reject(new Error('Connection is closed.')) : this.real.holds(h); }
  release(h: LeaseHolder) { return this.real.release(h); }
  close() { this.real.close(); }
}

describe('LeaseLeadership (a real Redis)', () => {
  let cluster: string;
  let raw: Redis;
  let all: LeaseLeadership[];
  const logs: string[] = [];
  const leadership = (address: string, ttlMs: number, cut?: (s: CutOffStore) => void) => {
    const store = new CutOffStore(new RedisLease({ ...testRedis(), cluster }));
    cut?.(store);
    const l = new LeaseLeadership({ store, address, ttlMs, log: (m) => logs.push(`${address} ${m}`) });
    all.push(l);
    return l;
  };
  const isNotLeader = (e: unknown) => e instanceof TributaryError && e.code === NOT_LEADER && e.retriable;

  beforeEach(() => {
    cluster = `leadership-${randomUUID().slice(0, 8)}`;
    raw = new Redis(testRedis());
    all = [];
    logs.length = 0;
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(logs.join('\n'));
    for (const l of all) await l.close();
    await raw.del(`tributary:${cluster}:driver-lease`, `tributary:${cluster}:driver-lease-token`);
    await raw.quit();
  });

  it('a leader renews its lease past the ttl while a standby waits and names the leader', async () => {
    const a = leadership('h:1', 600);
    const b = leadership('h:2', 600);
    await a.awaitLeadership();
    let bLeads = false;
    void b.awaitLeadership().then(() => { bLeads = true; }, () => {});
    await sleep(1_500);
    assert.equal(a.isLeader(), true);
    assert.equal(bLeads, false);
    assert.equal(b.isLeader(), false);
    assert.equal(b.leaderAddress(), 'h:1');
    await a.assertLeader('a write');
    await assert.rejects(b.assertLeader('a write'), (e) => isNotLeader(e) && /the leader is at h:1/.test((e as Error).message));
  });

  it('a leader that cannot renew deposes itself when its lease runs out, before the standby can take over with a greater token', async () => {
    let store!: CutOffStore;
    const a = leadership('h:1', 600, (s) => { store = s; });
    await a.awaitLeadership();
    const tokenA = a.token()!;
    let deposedAt = 0;
    a.onDeposed(() => { deposedAt = Date.now(); });
    const b = leadership('h:2', 600);
    const cutAt = Date.now();
    store.cut = true;
    await b.awaitLeadership();
    const bLeadsAt = Date.now();
    assert.ok(deposedAt > 0, 'A was deposed');
    assert.ok(deposedAt <= bLeadsAt, `A deposed at +${deposedAt - cutAt} ms, B led at +${bLeadsAt - cutAt} ms`);
    assert.ok(bLeadsAt - cutAt < 600 + 1_000, `B took over ${bLeadsAt - cutAt} ms after A was cut off`);
    assert.ok(b.token()! > tokenA);
    assert.equal(a.isLeader(), false);
    await assert.rejects(a.assertLeader('committing batch 7'), isNotLeader);
  });

  it('a leader whose lease another driver holds is deposed by its next write check, and the write is refused', async () => {
    const a = leadership('h:1', 5_000);
    await a.awaitLeadership();
    const reasons: string[] = [];
    a.onDeposed((r) => reasons.push(r));
    // Redis lost the key (a flush, a failover without it): another driver acquires while A's local view still says valid.
    await raw.del(`tributary:${cluster}:driver-lease`);
    const b = leadership('h:2', 5_000);
    await b.awaitLeadership();
    assert.equal(a.isLeader(), true, 'A cannot know before it asks');
    await assert.rejects(a.assertLeader('committing batch 3'), (e) => isNotLeader(e) && /committing batch 3/.test((e as Error).message));
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /no longer held/);
    assert.equal(a.isLeader(), false);
    await b.assertLeader('b writes');
  });

  it('a write check that cannot reach Redis is refused as retriable but does not depose while the lease is valid', async () => {
    let store!: CutOffStore;
    const a = leadership('h:1', 5_000, (s) => { store = s; });
    await a.awaitLeadership();
    store.cut = true;
    await assert.rejects(a.assertLeader('planning batch 1'), (e) => e instanceof TributaryError && e.code === 'UNAVAILABLE' && e.retriable);
    assert.equal(a.isLeader(), true);
    store.cut = false;
    await a.assertLeader('planning batch 1');
  });

  it('a clean close hands the lease over at once; a deposed driver stands by and can lead again with a new token', async () => {
    const a = leadership('h:1', 10_000);
    const b = leadership('h:2', 10_000);
    await a.awaitLeadership();
    const t0 = Date.now();
    const bLeads = b.awaitLeadership();
    await sleep(100);
    await a.close();
    await bLeads;
    assert.ok(Date.now() - t0 < 2_000, `handed over in ${Date.now() - t0} ms`);
    // B deposed (its key removed), then competing again: it leads with a greater token.
    const before = b.token()!;
    await raw.del(`tributary:${cluster}:driver-lease`);
    await assert.rejects(b.assertLeader('x'), isNotLeader);
    await b.awaitLeadership();
    assert.ok(b.token()! > before);
  });
});
