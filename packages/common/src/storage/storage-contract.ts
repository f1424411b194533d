/**
 * Test kit (not used by the engine): the rules of the Storage interface (storage.ts) as one mocha
 * suite that every implementation runs, `storageContract(name, makeStorage)`. `makeStorage` gives a
 * storage and an empty base location (a temp directory, a fresh bucket prefix) for each test, and
 * optionally a cleanup; every location the suite touches is built with `joinLocation` from that base,
 * so the suite knows nothing of local paths.
 */
import { strict as assert } from 'node:assert';
import { TributaryError } from '../errors';
import { joinLocation, type Storage } from './storage';

export interface StorageUnderTest {
  storage: Storage;
  /** An empty directory (prefix) owned by this test. */
  base: string;
  cleanup?: () => Promise<void>;
}

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));

export function storageContract(name: string, makeStorage: () => Promise<StorageUnderTest>): void {
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage;
    let base: string;
    let cleanup: (() => Promise<void>) | undefined;
    const at = (...parts: string[]): string => joinLocation(base, ...parts);

    beforeEach(async () => {
      ({ storage, base, cleanup } = await makeStorage());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('putIfAbsent writes a new object (true), then refuses the name (false) and keeps the first bytes', async () => {
      assert.equal(await storage.putIfAbsent(at('once'), 'first'), true);
      assert.equal(await storage.putIfAbsent(at('once'), 'second'), false);
      assert.equal(text(await storage.get(at('once'))), 'first');
    });

    it('of 20 racing putIfAbsent writers on one name exactly one wins, and the object holds the winner\'s bytes', async () => {
      const contents = Array.from({ length: 20 }, (_, i) => `writer ${i} `.repeat(1000 + i));
      const results = await Promise.all(contents.map((c) => storage.putIfAbsent(at('race', 'commit'), c)));
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.equal(text(await storage.get(at('race', 'commit'))), contents[winners[0]]);
      assert.deepEqual((await storage.list(at('race'))).map((o) => o.name), ['commit']);
    });

    it('put writes, then replaces the object as a whole', async () => {
      await storage.put(at('hint'), 'a much longer first version');
      assert.equal(text(await storage.get(at('hint'))), 'a much longer first version');
      await storage.put(at('hint'), new Uint8Array([1, 2, 3]));
      assert.deepEqual([...((await storage.get(at('hint'))) ?? [])], [1, 2, 3]);
      assert.equal((await storage.head(at('hint')))?.size, 3);
    });

    it('racing puts of one name leave one of the written versions, whole', async () => {
      const contents = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(5000 + i));
      await Promise.all(contents.map((c) => storage.put(at('replaced'), c)));
      assert.ok(contents.includes(text(await storage.get(at('replaced')))!));
    });

    it('get and head of a missing object give undefined; getRange of one throws NOT_FOUND naming it', async () => {
      assert.equal(await storage.get(at('missing')), undefined);
      assert.equal(await storage.get(at('no', 'such', 'dir', 'missing')), undefined);
      assert.equal(await storage.head(at('missing')), undefined);
      for (const [start, end] of [[0, 10], [5, 5]]) {
        await assert.rejects(storage.getRange(at('missing'), start, end), (error: unknown) => {
          assert.ok(error instanceof TributaryError, String(error));
          assert.equal(error.code, 'NOT_FOUND');
          assert.ok(error.message.includes(at('missing')), error.message);
          return true;
        });
      }
    });

    it('getRange returns [start, end) clamped to the object', async () => {
      const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
      await storage.put(at('data.bin'), bytes);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), 10, 14))], [10, 11, 12, 13]);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), 92, 1000))], [92, 93, 94, 95, 96, 97, 98, 99]);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), 0, 100))], [...bytes]);
      assert.equal((await storage.getRange(at('data.bin'), 100, 120)).length, 0);
      assert.equal((await storage.getRange(at('data.bin'), 150, 160)).length, 0);
      assert.equal((await storage.getRange(at('data.bin'), 5, 5)).length, 0);
      assert.deepEqual([...(await storage.getRange(at('data.bin'), -5, 3))], [0, 1, 2]);
      assert.equal((await storage.getRange(at('data.bin'), 9, 3)).length, 0);
      await storage.put(at('empty'), '');
      assert.equal((await storage.getRange(at('empty'), 0, 10)).length, 0);
    });

    it('head gives the size and a modification time near now', async () => {
      const before = Date.now();
      await storage.putIfAbsent(at('sized'), 'x'.repeat(1234));
      const info = await storage.head(at('sized'));
      assert.equal(info?.size, 1234);
      // Object stores keep seconds; file systems may lag the clock by a tick.
      assert.ok(info!.modifiedMs >= before - 2000 && info!.modifiedMs <= Date.now() + 2000, `modifiedMs ${info!.modifiedMs}`);
    });

    it('writes create nested parents implicitly', async () => {
      assert.equal(await storage.putIfAbsent(at('a', 'b', 'c', 'once.json'), '1'), true);
      await storage.put(at('x', 'y', 'z', 'replaced'), '2');
      assert.equal(text(await storage.get(at('a', 'b', 'c', 'once.json'))), '1');
      assert.equal(text(await storage.get(at('x', 'y', 'z', 'replaced'))), '2');
    });

    it('list is flat by default and gives every object below the directory when recursive', async () => {
      await storage.put(at('t', 'top.parquet'), '1');
      await storage.put(at('t', '_delta_log', '00000000000000000000.json'), '22');
      await storage.put(at('t', 'p=1', 'q=2', 'deep.parquet'), '333');
      await storage.put(at('other', 'x'), '4');
      await storage.put(at('t2', 'beside'), '5');
      const flat = await storage.list(at('t'));
      assert.deepEqual(flat.map((o) => o.name).sort(), ['top.parquet']);
      assert.equal(flat[0].size, 1);
      const all = await storage.list(at('t'), { recursive: true });
      assert.deepEqual(all.map((o) => o.name).sort(), ['_delta_log/00000000000000000000.json', 'p=1/q=2/deep.parquet', 'top.parquet']);
      assert.deepEqual(all.map((o) => o.size).sort(), [1, 2, 3]);
      for (const o of all) assert.ok(o.modifiedMs > 0);
      assert.deepEqual((await storage.list(at('t', 'p=1'), { recursive: true })).map((o) => o.name), ['q=2/deep.parquet']);
      assert.deepEqual((await storage.list(`${at('t')}/`)).map((o) => o.name), ['top.parquet']);
    });

    it('list leaves out names starting with "." at any level', async () => {
      await storage.put(at('d', 'visible'), 'v');
      await storage.put(at('d', '.hidden'), 'h');
      await storage.putIfAbsent(at('d', '.lock'), 'l');
      await storage.put(at('d', '.tmp', 'inside'), 'i');
      await storage.put(at('d', 'sub', '.partial'), 'p');
      assert.deepEqual((await storage.list(at('d'))).map((o) => o.name), ['visible']);
      assert.deepEqual((await storage.list(at('d'), { recursive: true })).map((o) => o.name), ['visible']);
      assert.equal(text(await storage.get(at('d', '.lock'))), 'l');
    });

    it('an absent directory lists as empty', async () => {
      assert.deepEqual(await storage.list(at('nothing', 'here')), []);
      assert.deepEqual(await storage.list(at('nothing'), { recursive: true }), []);
    });

    it('delete removes the object; deleting a missing one is fine', async () => {
      await storage.put(at('gone'), 'x');
      await storage.delete(at('gone'));
      assert.equal(await storage.get(at('gone')), undefined);
      assert.deepEqual(await storage.list(base), []);
      await storage.delete(at('gone'));
      await storage.delete(at('never', 'was'));
      assert.equal(await storage.putIfAbsent(at('gone'), 'again'), true);
    });

    it('string contents are stored as UTF-8 and bytes as they are', async () => {
      await storage.put(at('utf8'), 'Grüße ✓');
      assert.deepEqual([...((await storage.get(at('utf8'))) ?? [])], [...Buffer.from('Grüße ✓', 'utf8')]);
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await storage.putIfAbsent(at('bytes'), bytes);
      assert.deepEqual([...((await storage.get(at('bytes'))) ?? [])], [...bytes]);
      const view = new Uint8Array(Buffer.from('..window..')).subarray(2, 8);
      await storage.put(at('view'), view);
      assert.equal(text(await storage.get(at('view'))), 'window');
    });
  });
}
