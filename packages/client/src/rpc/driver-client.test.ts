/**
 * DriverClient against two real in-process QueryService servers playing a leader and a standby:
 * a call follows the leader a refusal names; while the lease changes hands (both refuse as
 * NOT_LEADER) it waits for a leader up to its handover bound, and gives up after it with the last
 * refusal; a failure that may have run the call is never repeated at another driver.
 */
import assert from 'node:assert/strict';
import { RpcServer, TributaryError } from '@tributary/common';
import { DriverClient } from './driver-client';

interface FakeDriver {
  server: RpcServer;
  address: string;
  calls: number;
}

/** A driver whose ListQueries answers by `answer()`: 'lead', a refusal naming the leader, or a failure. */
async function fakeDriver(answer: (self: FakeDriver) => 'lead' | { notLeader: string | undefined } | 'fail'): Promise<FakeDriver> {
  const server = new RpcServer();
  const self: FakeDriver = { server, address: '', calls: 0 };
  const refuse = () => { throw new Error('only ListQueries is called here'); };
  server.add('QueryService', {
    ListQueries: async () => {
      self.calls++;
      const a = answer(self);
      if (a === 'lead') return { queries: [{ id: `answered by ${self.address}` }] };
      if (a === 'fail') throw new TributaryError('the query store is broken', { code: 'INTERNAL' });
      const where = a.notLeader ? `; the leader is at ${a.notLeader}` : '; no leader is known yet';
      throw new TributaryError(`ListQueries: this driver is not the leader (standby or deposed)${where}`, { code: 'NOT_LEADER', retriable: true });
    },
    SubmitQuery: refuse, GetQuery: refuse, StopQuery: refuse,
  }, {}, { WatchQueries: refuse });
  self.address = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  return self;
}

describe('DriverClient with a leader and a standby', () => {
  const servers: FakeDriver[] = [];
  const clients: DriverClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.server.close()));
  });
  const track = <T extends FakeDriver | DriverClient>(x: T): T => { (x instanceof DriverClient ? clients : servers).push(x as never); return x; };

  it('follows the leader the standby names', async () => {
    const leader = track(await fakeDriver(() => 'lead'));
    const standby = track(await fakeDriver(() => ({ notLeader: leader.address })));
    const client = track(new DriverClient(`${standby.address},${leader.address}`));
    assert.equal((await client.list())[0].id, `answered by ${leader.address}`);
    assert.equal(standby.calls, 1);
    assert.equal((await client.list())[0].id, `answered by ${leader.address}`);
    assert.equal(standby.calls, 1, 'the next call goes to the leader first');
  });

  it('waits through a handover: both refuse as NOT_LEADER until one leads, and the call then succeeds there', async () => {
    const leadsFrom = Date.now() + 1_500;
    const a = track(await fakeDriver(() => ({ notLeader: undefined })));
    const b = track(await fakeDriver(() => (Date.now() >= leadsFrom ? 'lead' : { notLeader: undefined })));
    const client = track(new DriverClient(`${a.address},${b.address}`, {}, 10_000));
    const started = Date.now();
    assert.equal((await client.list())[0].id, `answered by ${b.address}`);
    assert.ok(Date.now() - started >= 1_400, `answered after ${Date.now() - started} ms, before b led`);
    assert.ok(a.calls >= 2 && b.calls >= 2, `rounds: a ${a.calls}, b ${b.calls}`);
  });

  it('gives up after its handover bound with the last NOT_LEADER refusal', async () => {
    const a = track(await fakeDriver(() => ({ notLeader: undefined })));
    const b = track(await fakeDriver(() => ({ notLeader: undefined })));
    const client = track(new DriverClient(`${a.address},${b.address}`, {}, 1_000));
    const started = Date.now();
    await assert.rejects(client.list(), /not the leader/);
    const took = Date.now() - started;
    // It waited (pauses of 200 and 400 ms fit in the bound; the next would not) and no longer than the bound allows.
    assert.ok(took >= 500 && took <= 2_500, `gave up after ${took} ms`);
    assert.ok(a.calls >= 2 && b.calls >= 2, `rounds: a ${a.calls}, b ${b.calls}`);
  });

  it('does not wait or go elsewhere on a failure that is not a leader miss', async () => {
    const a = track(await fakeDriver(() => 'fail'));
    const b = track(await fakeDriver(() => 'lead'));
    const client = track(new DriverClient(`${a.address},${b.address}`, {}, 10_000));
    await assert.rejects(client.list(), /the query store is broken/);
    assert.equal(b.calls, 0);
  });

  it('with one address, a refusal is thrown at once', async () => {
    const a = track(await fakeDriver(() => ({ notLeader: undefined })));
    const client = track(new DriverClient(a.address, {}, 10_000));
    const started = Date.now();
    await assert.rejects(client.list(), /not the leader/);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(a.calls, 1);
  });
});
