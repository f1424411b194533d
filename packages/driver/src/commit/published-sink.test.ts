import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asBatchId, batchOf, LocalStorage, writeBatchFiles, type BatchId, type SqlField } from '@tributary/common';
import { ORPHAN_AGE_MS, PublishedSink, RowPublisher } from './published-sink';
import type { StagedRow } from './staged-rows';

const storage = new LocalStorage();
const OUTPUT: SqlField[] = [
  { name: 'key', type: { kind: 'string' }, nullable: true },
  { name: 'value', type: { kind: 'binary' }, nullable: true },
  { name: 'total', type: { kind: 'decimal', precision: 20, scale: 2 }, nullable: true },
];

/** A publisher that holds what it was given, in memory. */
class MemoryPublisher implements RowPublisher {
  readonly batches = new Map<number, StagedRow[]>();
  async prepare(): Promise<void> {}
  async lastPublishedBatch(): Promise<number | undefined> {
    return this.batches.size === 0 ? undefined : Math.max(...this.batches.keys());
  }
  async publish(batchId: BatchId, rows: readonly StagedRow[]): Promise<'published' | 'skipped'> {
    if (this.batches.has(batchId)) return 'skipped';
    this.batches.set(batchId, [...rows]);
    return 'published';
  }
  async close(): Promise<void> {}
}

describe('PublishedSink (staged files on disk, a publisher in memory)', () => {
  let stage: string;
  beforeEach(() => { stage = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-published-')), 'stage'); });
  afterEach(() => fs.rmSync(path.dirname(stage), { recursive: true, force: true }));

  it('publishes the rows of the committed files exactly (decimals, binary), deletes them, and answers skipped for a batch published before', async () => {
    const publisher = new MemoryPublisher();
    const sink = new PublishedSink(storage, stage, OUTPUT, publisher);
    await sink.ensureTable();
    const adds = await writeBatchFiles(storage, stage, batchOf(OUTPUT, [
      { key: 'a', value: Buffer.from('{"x":1}'), total: 1000000000000000123n },
      { key: null, value: Uint8Array.from([0, 255]), total: -5n },
    ]));
    assert.equal(await sink.commitBatch(asBatchId(0), adds), 0);
    assert.deepEqual(publisher.batches.get(0), [
      { key: 'a', value: `0x${Buffer.from('{"x":1}').toString('hex')}`, total: '10000000000000001.23' },
      { key: null, value: '0x00ff', total: '-0.05' },
    ]);
    assert.deepEqual(fs.readdirSync(stage).filter((f) => f.endsWith('.parquet')), [], 'the published files are gone');
    assert.equal(await sink.txnVersion(), 0);
    const again = await writeBatchFiles(storage, stage, batchOf(OUTPUT, [{ key: 'b', value: Buffer.from('y'), total: 1n }]));
    assert.equal(await sink.commitBatch(asBatchId(0), again), 'skipped');
    assert.deepEqual(publisher.batches.get(0)?.length, 2);
  });

  it('removes staged files older than the orphan age after a batch, and keeps newer ones and the delivery record', async () => {
    const sink = new PublishedSink(storage, stage, OUTPUT, new MemoryPublisher());
    await sink.ensureTable();
    const [orphan] = await writeBatchFiles(storage, stage, batchOf(OUTPUT, [{ key: 'o', value: null, total: 1n }]));
    const [fresh] = await writeBatchFiles(storage, stage, batchOf(OUTPUT, [{ key: 'f', value: null, total: 2n }]));
    fs.writeFileSync(path.join(stage, '_published.json'), '{}');
    const old = (Date.now() - ORPHAN_AGE_MS - 60_000) / 1000;
    fs.utimesSync(path.join(stage, orphan.path), old, old);
    fs.utimesSync(path.join(stage, '_published.json'), old, old);
    sink.startMaintenance();
    await sink.idle();
    assert.deepEqual(fs.readdirSync(stage).sort(), ['_published.json', fresh.path].sort());
  });
});
