import { strict as assert } from 'node:assert';
import { LoadGauge } from './load-gauge';

describe('executor load gauge', () => {
  it('counts task calls in progress and answered (failed ones too), passing other calls through', async () => {
    const gauge = new LoadGauge();
    let release!: () => void;
    const handlers = gauge.track({
      RunMapTask: () => new Promise((resolve) => { release = () => resolve({ ok: 1 }); }),
      RunReduceTask: async () => { throw new Error('boom'); },
      OpenShuffle: async (req) => ({ echo: req.x }),
    });
    const running = handlers.RunMapTask({}, {} as any);
    assert.equal(gauge.read().tasksRunning, 1);
    await assert.rejects(handlers.RunReduceTask({}, {} as any), /boom/);
    assert.deepEqual(await handlers.OpenShuffle({ x: 5 }, {} as any), { echo: 5 });
    release();
    assert.deepEqual(await running, { ok: 1 });
    const load = gauge.read();
    assert.equal(load.tasksRunning, 0);
    assert.equal(load.tasksCompleted, 2);
  });

  it('reports CPU time over wall time since the previous reading (100 = one core)', () => {
    const gauge = new LoadGauge();
    gauge.read();
    const until = Date.now() + 200;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const { cpuPercent } = gauge.read();
    assert.ok(x > 0);
    // a busy loop on one thread: close to one core (the machine may be shared, so loosely)
    assert.ok(cpuPercent > 30 && cpuPercent < 200, `cpu ${cpuPercent} %`);
  });
});
