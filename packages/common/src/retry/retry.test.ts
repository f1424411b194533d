import assert from 'node:assert/strict';
import { UnavailableError } from '../errors';
import { RetryPolicy, backoffDelayMs, retryWithBackoff } from './retry';

const policy: RetryPolicy = { initialDelayMs: 10, maxDelayMs: 50, factor: 2, jitter: 0.5, deadlineMs: 1_000 };

/** A fake clock: sleeping advances it, nothing really waits. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
}

class Transient extends Error {}

describe('retryWithBackoff', () => {
  it('waits initial * factor^k, capped at the maximum, scaled by the jitter, between tries', async () => {
    const time = fakeTime();
    let tries = 0;
    const result = await retryWithBackoff(
      'op',
      async () => {
        if (++tries <= 4) throw new Transient('not yet');
        return 'done';
      },
      policy,
      { isRetriable: (e) => e instanceof Transient, random: () => 0.75, ...time },
    );
    assert.equal(result, 'done');
    assert.equal(tries, 5);
    // random 0.75 → factor 1 + 0.5 * (2 * 0.75 - 1) = 1.25; bases 10, 20, 40, 50 (cap).
    assert.deepEqual(time.slept, [12.5, 25, 50, 62.5]);
  });

  it('spreads delays between (1 - jitter) and (1 + jitter) times the base', () => {
    assert.equal(backoffDelayMs(policy, 0, 0), 5);
    assert.equal(backoffDelayMs(policy, 0, 0.5), 10);
    assert.equal(backoffDelayMs(policy, 10, 0.999999) < 75, true);
    assert.equal(backoffDelayMs(policy, 10, 0.999999) > 74.99, true);
  });

  it('rethrows a non-retriable error at once, without sleeping', async () => {
    const time = fakeTime();
    const bug = new TypeError('bug');
    let tries = 0;
    await assert.rejects(
      retryWithBackoff('op', async () => {
        tries++;
        throw bug;
      }, policy, { isRetriable: (e) => e instanceof Transient, ...time }),
      (e) => e === bug,
    );
    assert.equal(tries, 1);
    assert.deepEqual(time.slept, []);
  });

  it('gives up with an UnavailableError carrying the last error once the deadline has passed', async () => {
    const time = fakeTime();
    const last = new Transient('still down');
    await assert.rejects(
      retryWithBackoff('writing x', async () => {
        throw last;
      }, { ...policy, jitter: 0, deadlineMs: 100 }, { isRetriable: () => true, ...time }),
      (e: unknown) => {
        assert.ok(e instanceof UnavailableError);
        assert.equal(e.cause, last);
        assert.match(e.message, /writing x/);
        assert.match(e.message, /still down/);
        return true;
      },
    );
    // Delays 10, 20, 40, 50 would overshoot: the last sleep is cut to the 30 ms left before the deadline.
    assert.deepEqual(time.slept, [10, 20, 40, 30]);
  });
});
