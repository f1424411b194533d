import assert from 'node:assert/strict';
import { Xoshiro128 } from '@tributary/client';
import { PROTOCOL_STEPS } from '@tributary/driver';
import { CDC_STEPS, MIN_FAULTS, RANDOM_KINDS, faultName, planFaults } from './schedule';

describe('the fault plan of a chaos run', () => {
  it('holds every random kind, two driver kills at each protocol step (any query, the update-mode query) and the CDC queries\' steps, the rest drawn, in a seeded order', () => {
    const plan = planFaults(31, new Xoshiro128(9));
    assert.equal(plan.length, 31);
    for (const { step, query } of CDC_STEPS) assert.equal(plan.filter((f) => f.kind === 'driver-kill-at' && f.step === step && f.query === query).length, 1, `${step} (${query})`);
    for (const kind of RANDOM_KINDS) assert.ok(plan.some((f) => f.kind === kind), kind);
    for (const step of PROTOCOL_STEPS) {
      assert.equal(plan.filter((f) => f.kind === 'driver-kill-at' && f.step === step && f.query === undefined).length, 1, step);
      assert.equal(plan.filter((f) => f.kind === 'driver-kill-at' && f.step === step && f.query === 'update-mode').length, 1, step);
    }
    assert.deepEqual(planFaults(31, new Xoshiro128(9)).map(faultName), plan.map(faultName));
    assert.notDeepEqual(planFaults(31, new Xoshiro128(10)).map(faultName), plan.map(faultName));
  });

  it('draws extras in rounds, so each full round adds every kind by its weight', () => {
    const plan = planFaults(MIN_FAULTS + 11, new Xoshiro128(3));
    const count = (k: string) => plan.filter((f) => f.kind === k).length;
    assert.deepEqual(RANDOM_KINDS.map(count), [4, 4, 3, 2, 2, 2]);
  });

  it('refuses fewer faults than one of each kind and two of each step', () => {
    assert.equal(MIN_FAULTS, RANDOM_KINDS.length + 2 * PROTOCOL_STEPS.length + 3);
    assert.throws(() => planFaults(MIN_FAULTS - 1, new Xoshiro128(1)), new RegExp(`at least ${MIN_FAULTS} `));
    const plan = planFaults(MIN_FAULTS, new Xoshiro128(1));
    assert.equal(plan.length, MIN_FAULTS);
    assert.deepEqual(plan.filter((f) => f.kind === 'driver-kill-at').map((f) => (f as { step: string }).step).sort(), [...PROTOCOL_STEPS, ...PROTOCOL_STEPS, 'afterStateDurable', 'afterSinkCommit', 'afterStateDurable'].sort());
  });
});
