import assert from 'node:assert/strict';
import { assembleChain } from './chain';
import { DataLossError, InvalidArgumentError } from '../errors';
import { BlobKind } from './layout';
import { asStateVersion as sv } from '../batch/batch-id';

/** Blobs in memory, keyed "<version>.<attempt>.<kind>", holding their own name as bytes. */
function memory(names: string[]) {
  const held = new Set(names);
  const fetched: string[] = [];
  const fetch = async (version: number, attempt: number, kind: BlobKind) => {
    const name = `${version}.${attempt}.${kind}`;
    fetched.push(name);
    return held.has(name) ? Buffer.from(name) : undefined;
  };
  return { fetch, fetched };
}

const text = (b: Uint8Array) => Buffer.from(b).toString();

describe('assembleChain', () => {
  it('returns an empty chain for version 0 without fetching anything', async () => {
    const m = memory([]);
    assert.deepEqual(await assembleChain(0, sv(0), () => 0, m.fetch), { changes: [] });
    assert.deepEqual(m.fetched, []);
  });

  it('starts from the empty state when no snapshot exists, changes oldest first', async () => {
    const m = memory(['1.0.delta', '2.0.delta', '3.1.delta']);
    const chain = await assembleChain(0, sv(3), (v) => (v === 3 ? 1 : 0), m.fetch);
    assert.equal(chain.snapshot, undefined);
    assert.deepEqual(chain.changes.map((c) => [c.version, text(c.bytes)]), [
      [1, '1.0.delta'],
      [2, '2.0.delta'],
      [3, '3.1.delta'],
    ]);
  });

  it("stops at the newest snapshot of the committed attempt and ignores another attempt's snapshot", async () => {
    const m = memory(['4.0.snapshot', '4.0.delta', '5.0.delta', '6.1.snapshot', '6.0.delta', '7.0.delta']);
    const chain = await assembleChain(0, sv(7), () => 0, m.fetch);
    assert.equal(chain.snapshot?.version, 4);
    assert.equal(text(chain.snapshot!.bytes), '4.0.snapshot');
    assert.deepEqual(chain.changes.map((c) => text(c.bytes)), ['5.0.delta', '6.0.delta', '7.0.delta']);
  });

  it('names partition and version when a needed change set is missing', async () => {
    const m = memory(['1.0.delta', '3.0.delta']);
    await assert.rejects(assembleChain(7, sv(3), () => 0, m.fetch), (e: unknown) => {
      assert.ok(e instanceof DataLossError);
      assert.match(e.message, /partition 7 version 2\b/);
      return true;
    });
  });

  it('refuses a chain through a version that has no committed attempt', async () => {
    const m = memory(['1.0.delta', '2.0.delta']);
    await assert.rejects(assembleChain(1, sv(2), (v) => (v === 2 ? undefined : 0), m.fetch), InvalidArgumentError);
  });
});
