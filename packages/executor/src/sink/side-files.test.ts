import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  commit, createTable, QUARANTINE_TABLE_SCHEMA, readSnapshot, readTableRows, RecordChunk, asBatchId,
} from '@tributary/common';
import { QuarantineFiles } from './quarantine-files';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

/** A chunk whose records are laid out with junk between them (the reader reuses one buffer). */
function chunk(records: { key: Buffer | null; value: Buffer | null; ts: number }[]): RecordChunk {
  const parts: Buffer[] = [];
  const n = records.length;
  const keyStart = new Int32Array(n), keyLength = new Int32Array(n), valueStart = new Int32Array(n), valueLength = new Int32Array(n);
  let at = 0;
  const put = (b: Buffer | null, starts: Int32Array, lengths: Int32Array, i: number) => {
    parts.push(Buffer.from('##')); at += 2;
    starts[i] = at;
    lengths[i] = b === null ? -1 : b.length;
    if (b !== null) { parts.push(b); at += b.length; }
  };
  records.forEach((r, i) => { put(r.key, keyStart, keyLength, i); put(r.value, valueStart, valueLength, i); });
  return {
    topic: 'events', partition: 3, count: n, buf: Buffer.concat(parts),
    offset: Float64Array.from(records, (_, i) => 2 ** 40 + i),
    timestampMs: Float64Array.from(records, (r) => r.ts),
    timestampType: new Uint8Array(n),
    keyStart, keyLength, valueStart, valueLength,
    headersStart: new Int32Array(n), headersLength: new Int32Array(n),
  };
}

/** A 64-bit column's raw values (timestamps as stored µs, not Arrow's millisecond view), null for nulls. */
function int64s(table: any, name: string): (number | null)[] {
  const out: (number | null)[] = [];
  for (const d of table.getChild(name).data) {
    const v = d.values as BigInt64Array;
    for (let i = 0; i < d.length; i++) out.push(d.getValid(i) ? Number(v[i]) : null);
  }
  return out;
}

async function commitFiles(table: string, adds: any[]): Promise<void> {
  const snapshot = await readSnapshot(storage, table);
  await commit(storage, table, adds.map((a) => ({ add: a })), { readVersion: snapshot.version, snapshot, operation: 'WRITE' });
}

describe('side-table files of a map task', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-side-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('quarantine files keep the raw key and value bytes, coordinates, reason, detail and batch id exactly', async () => {
    const table = path.join(dir, 'q');
    await createTable(storage, table, QUARANTINE_TABLE_SCHEMA);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7b]);
    const c = chunk([
      { key: Buffer.from('k1'), value: binary, ts: 1_700_000_000_123 },
      { key: null, value: null, ts: -1 },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), ts: 0 },
    ]);
    // Row budget of 2: the third row goes to a second file.
    const q = new QuarantineFiles(storage, table, asBatchId(17), { maxBufferedRows: 2 });
    q.add(c, 0, 'NOT_UTF8', 'invalid UTF-8 at byte 0');
    q.add(c, 1, 'TOMBSTONE', 'record value is null (a tombstone)');
    c.buf.fill(0); // the reader reuses its buffer: what was added must already be copied
    await q.flushIfFull();
    const c2 = chunk([{ key: Buffer.from('ключ'), value: Buffer.from('{"a":1}'), ts: 5 }]);
    q.add(c2, 0, 'MISSING_FIELD', 'field customer_id is missing');
    const adds = await q.finish();
    assert.equal(adds.length, 2);
    assert.equal(q.rows, 3);
    await commitFiles(table, adds);

    const data = await readTableRows(storage, table);
    const ts = int64s(data, 'kafka_timestamp');
    const rows = data.toArray().map((r: any, i) => ({ ...r.toJSON(), ts: ts[i] }));
    rows.sort((a: any, b: any) => Number(a.offset - b.offset) || a.reason.localeCompare(b.reason));
    const got = rows.map((r: any) => ({
      topic: r.topic, partition: r.partition, offset: Number(r.offset), ts: r.ts,
      key: r.key === null ? null : Buffer.from(r.key).toString('hex'), value: r.value === null ? null : Buffer.from(r.value).toString('hex'),
      reason: r.reason, detail: r.detail, batch: Number(r.batch_id),
    }));
    assert.deepEqual(got, [
      { topic: 'events', partition: 3, offset: 2 ** 40, ts: 5000, key: Buffer.from('ключ').toString('hex'), value: Buffer.from('{"a":1}').toString('hex'), reason: 'MISSING_FIELD', detail: 'field customer_id is missing', batch: 17 },
      { topic: 'events', partition: 3, offset: 2 ** 40, ts: 1_700_000_000_123_000, key: Buffer.from('k1').toString('hex'), value: binary.toString('hex'), reason: 'NOT_UTF8', detail: 'invalid UTF-8 at byte 0', batch: 17 },
      { topic: 'events', partition: 3, offset: 2 ** 40 + 1, ts: null, key: null, value: null, reason: 'TOMBSTONE', detail: 'record value is null (a tombstone)', batch: 17 },
    ]);
  });
});
