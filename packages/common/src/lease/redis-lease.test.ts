import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { testRedis } from '../testing';
import { RedisLease } from './redis-lease';
import { LeaderAddresses, isLeaderMiss, leaderNamedIn } from './leader-addresses';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisLease (a real Redis)', () => {
  let cluster: string;
  let leases: RedisLease[];
  let raw: Redis;
  const lease = () => { const l = new RedisLease({ ...testRedis(), cluster }); leases.push(l); return l; };

  beforeEach(() => {
    cluster = `lease-test-${randomUUID().slice(0, 8)}`;
    leases = [];
    raw = new Redis(testRedis());
  });
  afterEach(async () => {
    await raw.del(`tributary:${cluster}:driver-lease`, `tributary:${cluster}:driver-lease-token`);
    await raw.quit();
    for (const l of leases) l.close();
  });

  it('gives the lease to one holder at a time: a second acquirer is told who holds it and with which token', async () => {
    const a = lease();
    const b = lease();
    const first = await a.acquire('A', '127.0.0.1:1', 5_000);
    assert.deepEqual(first, { acquired: true, holder: { token: 1, holder: 'A', address: '127.0.0.1:1' } });
    const second = await b.acquire('B', '127.0.0.1:2', 5_000);
    assert.deepEqual(second, { acquired: false, holder: first.holder });
    assert.equal(await raw.get(`tributary:${cluster}:driver-lease`), '1 A 127.0.0.1:1');
    const pttl = await raw.pttl(`tributary:${cluster}:driver-lease`);
    assert.ok(pttl > 4_000 && pttl <= 5_000, `ttl ${pttl}`);
  });

  it('expires when not renewed; the next acquisition gets a greater fencing token, and the old holder can neither renew nor release it', async () => {
    const a = lease();
    const b = lease();
    const first = (await a.acquire('A', 'h:1', 300)).holder;
    await sleep(450);
    assert.equal(await a.current(), undefined);
    const second = await b.acquire('B', 'h:2', 5_000);
    assert.equal(second.acquired, true);
    assert.equal(second.holder.token, first.token + 1);
    assert.equal(await a.renew(first, 5_000), false);
    assert.equal(await a.holds(first), false);
    assert.equal(await a.release(first), false);
    assert.deepEqual(await a.current(), second.holder);
    assert.equal(await b.holds(second.holder), true);
  });

  it('renewal extends only the holder\'s own lease, so a renewed lease outlives its first ttl', async () => {
    const a = lease();
    const h = (await a.acquire('A', 'h:1', 400)).holder;
    for (let i = 0; i < 4; i++) { await sleep(150); assert.equal(await a.renew(h, 400), true); }
    assert.equal(await a.holds(h), true, 'held 600 ms after a 400 ms ttl');
    // Same holder and address, another token: not the holder.
    assert.equal(await a.renew({ ...h, token: h.token + 1 }, 400), false);
  });

  it('the fencing token never goes back: it counts every acquisition, also after releases', async () => {
    const a = lease();
    const tokens: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await a.acquire(`A${i}`, 'h:1', 5_000);
      assert.equal(r.acquired, true);
      tokens.push(r.holder.token);
      assert.equal(await a.release(r.holder), true);
    }
    assert.deepEqual(tokens, [1, 2, 3, 4, 5]);
  });

  it('refuses a cluster name or holder that would make an ambiguous key or value', async () => {
    assert.throws(() => new RedisLease({ ...testRedis(), cluster: 'a:b' }), /cluster name/);
    await assert.rejects(lease().acquire('A B', 'h:1', 1_000), /without spaces/);
  });
});

describe('LeaderAddresses', () => {
  const refusal = (leader?: string) => Object.assign(new Error(`QueryService.ListQueries refused: this driver is not the leader (standby or deposed)${leader ? `; the leader is at ${leader}` : '; no leader is known yet'}`), { code: 'UNAVAILABLE' });

  it('moves to the leader a refusal names when it is in the list, else to the next address in turn', () => {
    const d = new LeaderAddresses('h:1, h:2,h:3');
    assert.equal(d.current(), 'h:1');
    assert.equal(d.moveOn(refusal('h:3')), 'h:3');
    assert.equal(d.moveOn(refusal()), 'h:1');
    assert.equal(d.moveOn(refusal('elsewhere:9')), 'h:2');
    assert.equal(d.moveOn(new Error('connect ECONNREFUSED')), 'h:3');
    assert.equal(leaderNamedIn(refusal('h:2')), 'h:2');
  });

  it('counts unreachable drivers and NOT_LEADER refusals as leader misses, other refusals not', () => {
    assert.equal(isLeaderMiss(refusal()), true);
    assert.equal(isLeaderMiss(Object.assign(new Error('No connection established'), { code: 'UNAVAILABLE' })), true);
    assert.equal(isLeaderMiss(Object.assign(new Error('deadline'), { code: 'DEADLINE_EXCEEDED' })), true);
    assert.equal(isLeaderMiss(Object.assign(new Error('bad spec'), { code: 'INVALID_ARGUMENT' })), false);
  });
});
