import assert from 'node:assert/strict';
import { ShuffleInbox } from './shuffle-inbox';
import { asBatchId } from '@tributary/common';

const msg = (mapTaskId: number, size: number, fill = mapTaskId) => ({ mapTaskId, bytes: new Uint8Array(size).fill(fill), rows: 1 });
const HOUR = 3_600_000;

describe('the shuffle inbox', () => {
  it('keeps two queries with the same batch and attempt numbers apart', async () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 1 << 20 });
    inbox.open('qa', asBatchId(3), 1, [0, 1], [0, 1], HOUR);
    inbox.open('qb', asBatchId(3), 1, [0, 1], [0, 1], HOUR);
    for (const t of [0, 1]) {
      assert.equal(inbox.push('qa', asBatchId(3), 1, 0, msg(t, 10, 0xa0 + t)), null);
      assert.equal(inbox.push('qb', asBatchId(3), 1, 0, msg(t, 20, 0xb0 + t)), null);
    }
    const a = await inbox.take('qa', asBatchId(3), 1, 0, [0, 1], 1000);
    const b = await inbox.take('qb', asBatchId(3), 1, 0, [0, 1], 1000);
    assert.deepEqual(a.map((m) => [m.bytes.length, m.bytes[0]]), [[10, 0xa0], [10, 0xa1]]);
    assert.deepEqual(b.map((m) => [m.bytes.length, m.bytes[0]]), [[20, 0xb0], [20, 0xb1]]);
  });

  it("closing, superseding or moving on in one query leaves another's attempts alone", async () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 1 << 20 });
    inbox.open('qa', asBatchId(5), 2, [0], [0], HOUR);
    inbox.open('qb', asBatchId(5), 1, [0], [0], HOUR);
    assert.equal(inbox.push('qb', asBatchId(5), 1, 0, msg(0, 7)), null);
    // Query qa closes its attempt, opens attempt 9 of batch 5, then batch 6: qb's attempt 1 of batch 5 is untouched.
    inbox.close('qa', asBatchId(5), 2, 'its reduce task ended');
    inbox.open('qa', asBatchId(5), 9, [0], [0], HOUR);
    inbox.open('qa', asBatchId(6), 1, [0], [0], HOUR);
    assert.equal(inbox.stats().heldBytes, 7);
    assert.deepEqual((await inbox.take('qb', asBatchId(5), 1, 0, [0], 1000)).map((m) => m.bytes.length), [7]);
    // qb may open attempt 1 of batch 6 though qa used higher numbers for batch 5.
    inbox.open('qb', asBatchId(6), 1, [0], [0], HOUR);
    assert.equal(inbox.push('qb', asBatchId(6), 1, 0, msg(0, 1)), null);
    // Superseded within qa: older attempts of the same query and batch are fenced.
    assert.equal(inbox.push('qa', asBatchId(5), 2, 0, msg(0, 1))?.code, 'FENCED');
    assert.throws(() => inbox.open('qa', asBatchId(5), 3, [0], [0], HOUR), /superseded by attempt 9/);
  });

  it('refuses and stores nothing of unsolicited pushes, naming why', () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 1 << 30 });
    inbox.open('q', asBatchId(2), 4, [1, 3], [0, 1], HOUR);
    const bigBytes = new Uint8Array(50 * 1024 * 1024);
    const bigMsg = (mapTaskId: number) => ({ mapTaskId, bytes: bigBytes, rows: 1 });
    assert.equal(inbox.push('q', asBatchId(2), 99, 1, bigMsg(0))?.code, 'NOT_OPEN', 'a higher attempt never opened');
    assert.equal(inbox.push('q', asBatchId(7), 1, 1, bigMsg(0))?.code, 'NOT_OPEN', 'a batch never opened');
    assert.equal(inbox.push('other', asBatchId(2), 4, 1, bigMsg(0))?.code, 'NOT_OPEN', 'another query');
    assert.equal(inbox.push('q', asBatchId(2), 3, 1, bigMsg(0))?.code, 'FENCED', 'an older attempt');
    assert.equal(inbox.push('q', asBatchId(2), 4, 0, bigMsg(0))?.code, 'UNEXPECTED', 'a partition this executor does not own');
    assert.equal(inbox.push('q', asBatchId(2), 4, 1, bigMsg(5))?.code, 'UNEXPECTED', 'a map task not expected');
    assert.deepEqual(inbox.stats(), { heldBytes: 0, openAttempts: 1, queries: 1 });
    assert.equal(inbox.push('q', asBatchId(2), 4, 1, msg(0, 3)), null);
    assert.equal(inbox.push('q', asBatchId(2), 4, 1, bigMsg(0))?.code, 'UNEXPECTED', 'a second push of the same map task');
    assert.equal(inbox.stats().heldBytes, 3);
    // The high attempt pushed above did not fence anything: attempt 5 can still be opened and used.
    inbox.open('q', asBatchId(2), 5, [1], [0], HOUR);
    assert.equal(inbox.push('q', asBatchId(2), 5, 1, msg(0, 2)), null);
    assert.equal(inbox.stats().heldBytes, 2, "attempt 4's bytes were freed when attempt 5 superseded it");
  });

  it("fails the attempt at the query's memory bound, frees it at once, and leaves other queries alone", async () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 100 });
    inbox.open('q', asBatchId(1), 1, [0, 1], [0, 1], HOUR);
    inbox.open('r', asBatchId(1), 1, [0], [0], HOUR);
    assert.equal(inbox.push('r', asBatchId(1), 1, 0, msg(0, 90)), null);
    assert.equal(inbox.push('q', asBatchId(1), 1, 0, msg(0, 60)), null);
    const waiting = inbox.take('q', asBatchId(1), 1, 1, [0, 1], 5000);
    const refused = inbox.push('q', asBatchId(1), 1, 1, msg(0, 41));
    assert.equal(refused?.code, 'RESOURCE_EXHAUSTED');
    assert.match(refused!.message, /bound of 100 bytes/);
    await assert.rejects(waiting, /closed .*bound of 100 bytes/);
    assert.equal(inbox.stats().heldBytes, 90, "q's bytes are freed; r's stay");
    assert.equal(inbox.push('q', asBatchId(1), 1, 1, msg(1, 1))?.code, 'NOT_OPEN', 'the failed attempt takes no more');
    // A new attempt of q starts from nothing held.
    inbox.open('q', asBatchId(1), 2, [0], [0], HOUR);
    assert.equal(inbox.push('q', asBatchId(1), 2, 0, msg(0, 100)), null);
  });

  it('frees an attempt on abort and on expiry, and a reduce waiting for it fails at once', async () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 1 << 20 });
    inbox.open('q', asBatchId(0), 1, [0], [0, 1], HOUR);
    assert.equal(inbox.push('q', asBatchId(0), 1, 0, msg(0, 1000)), null);
    const waiting = inbox.take('q', asBatchId(0), 1, 0, [0, 1], 60_000);
    inbox.close('q', asBatchId(0), 1, 'aborted by the driver');
    await assert.rejects(waiting, /aborted by the driver/);
    assert.equal(inbox.stats().heldBytes, 0);
    assert.equal(inbox.push('q', asBatchId(0), 1, 0, msg(1, 1))?.code, 'NOT_OPEN');

    inbox.open('q', asBatchId(0), 2, [0], [0, 1], 50);
    assert.equal(inbox.push('q', asBatchId(0), 2, 0, msg(0, 5000)), null);
    assert.deepEqual(inbox.stats(), { heldBytes: 5000, openAttempts: 1, queries: 1 });
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(inbox.stats(), { heldBytes: 0, openAttempts: 0, queries: 1 });
    const late = inbox.push('q', asBatchId(0), 2, 0, msg(1, 1));
    assert.equal(late?.code, 'NOT_OPEN');
    assert.match(late!.message, /expired 50 ms after it was opened/);
  });

  it('opening a later batch frees what earlier batches of the same query hold', () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 1 << 20 });
    inbox.open('q', asBatchId(0), 1, [0], [0], HOUR);
    assert.equal(inbox.push('q', asBatchId(0), 1, 0, msg(0, 300)), null);
    inbox.open('q', asBatchId(1), 1, [0], [0], HOUR);
    assert.deepEqual(inbox.stats(), { heldBytes: 0, openAttempts: 1, queries: 1 });
  });

  it('a reduce takes every expected map task once, waits for stragglers, and refuses other map task lists', async () => {
    const inbox = new ShuffleInbox({ maxBytesPerQuery: 1 << 20 });
    inbox.open('q', asBatchId(4), 1, [2], [0, 1, 2], HOUR);
    inbox.push('q', asBatchId(4), 1, 2, msg(2, 3));
    await assert.rejects(inbox.take('q', asBatchId(4), 1, 2, [0, 1], 1000), /opened for map tasks 0, 1, 2/);
    const taken = inbox.take('q', asBatchId(4), 1, 2, [0, 1, 2], 5000);
    inbox.push('q', asBatchId(4), 1, 2, msg(0, 1));
    inbox.push('q', asBatchId(4), 1, 2, msg(1, 2));
    assert.deepEqual((await taken).map((m) => m.mapTaskId), [0, 1, 2]);
    await assert.rejects(inbox.take('q', asBatchId(9), 1, 2, [], 1), /not opened/);
    await assert.rejects(inbox.take('q', asBatchId(4), 1, 3, [0, 1, 2], 1), /does not have shuffle partition 3/);
    inbox.open('q', asBatchId(5), 1, [0], [0, 1], HOUR);
    inbox.push('q', asBatchId(5), 1, 0, msg(0, 1));
    await assert.rejects(inbox.take('q', asBatchId(5), 1, 0, [0, 1], 30), /missing shuffle input .* map tasks 1$/);
  });
});
