import { strict as assert } from 'node:assert';
import { ExecutorRegistry } from './executor-registry';

describe('executor registration', () => {
  let now = 1_000;
  let registry: ExecutorRegistry;
  beforeEach(() => { now = 1_000; registry = new ExecutorRegistry({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1_000, now: () => now }); });
  afterEach(() => registry.close());

  it('refuses an id live at another address with ALREADY_EXISTS naming the id and the live address', () => {
    registry.register('exec-1', '127.0.0.1:5001', 11);
    assert.throws(() => registry.register('exec-1', '127.0.0.1:6666', 99), (err: any) => {
      assert.equal(err.code, 'ALREADY_EXISTS');
      assert.match(err.message, /executor id exec-1 is already live at 127\.0\.0\.1:5001/);
      return true;
    });
    assert.equal(registry.live()[0].address, '127.0.0.1:5001');
  });

  it('keeps a registration alive only with its own incarnation token', () => {
    const token = registry.register('exec-1', '127.0.0.1:5001', 11);
    assert.equal(registry.heartbeat('exec-1', 'forged', 0), false);
    assert.equal(registry.heartbeat('exec-1', '', 0), false);
    now += 500;
    assert.equal(registry.heartbeat('exec-1', token, 0), true);
    assert.equal(registry.live()[0].lastHeartbeatMs, now);
  });

  it('lets a restarted executor register at a new address once the old one is declared lost', async () => {
    const old = registry.register('exec-1', '127.0.0.1:5001', 11);
    now += 2_000;
    await new Promise((r) => setTimeout(r, 120)); // the expiry timer runs
    assert.equal(registry.isLive('exec-1'), false);
    const fresh = registry.register('exec-1', '127.0.0.1:5002', 12);
    assert.notEqual(fresh, old);
    assert.equal(registry.heartbeat('exec-1', old, 0), false, 'the old incarnation keeps nothing alive');
    assert.equal(registry.heartbeat('exec-1', fresh, 0), true);
  });

  it('replaces a registration at the same address (a restart on a fixed port) with a new incarnation', () => {
    const first = registry.register('exec-1', '127.0.0.1:5001', 11);
    const second = registry.register('exec-1', '127.0.0.1:5001', 12);
    assert.notEqual(first, second);
    assert.equal(registry.heartbeat('exec-1', first, 0), false);
    assert.equal(registry.live()[0].pid, 12);
  });
});
