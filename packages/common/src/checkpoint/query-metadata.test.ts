import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, TributaryError } from '../errors';
import fc from 'fast-check';
import type { ResolvedQuery } from '../plan/resolved-query';
import { resolvedQueryArb } from '../plan/resolved-query.testkit';
import { checkResolvedQueryDocument } from './resolved-query-document';
import { createQueryMetadata, readQueryMetadata, type NewQueryMetadata } from './query-metadata';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

const init: NewQueryMetadata = {
  shufflePartitions: 8,
  statefulFingerprint: '{"keys":["customer_id"],"window":"5 minutes"}',
  sinkPaths: ['/data/quarantine', '/data/windows'],
  sourceTopic: 'payments',
};

/** count(*) and sum(amount) per 5-minute window and customer over parsed JSON, with a filter before. */
const amount = { kind: 'decimal', precision: 12, scale: 2 } as const;
const resolvedQuery: ResolvedQuery = {
  format: 1,
  name: null,
  source: {
    topic: 'payments', bootstrapServers: ['localhost:9092'], startingOffsets: { payments: { 0: 42, 1: -2 } },
    maxOffsetsPerTrigger: 10_000, failOnDataLoss: true, isolationLevel: 'read_uncommitted',
  },
  scan: {
    kafkaColumns: ['value'],
    json: { schema: [{ name: 'customer_id', type: { kind: 'long' }, nullable: true }, { name: 'amount', type: amount, nullable: true }, { name: 'ts', type: { kind: 'timestamp' }, nullable: true }], timeZone: 'UTC' },
    schema: [
      { name: 'value', type: { kind: 'binary' }, nullable: true },
      { name: 'data', type: { kind: 'struct', fields: [{ name: 'customer_id', type: { kind: 'long' }, nullable: true }, { name: 'amount', type: amount, nullable: true }, { name: 'ts', type: { kind: 'timestamp' }, nullable: true }] }, nullable: true },
    ],
    maxValueBytes: 1_048_576,
  },
  pre: [{
    kind: 'filter',
    condition: {
      kind: 'call', fn: 'isnotnull', type: { kind: 'boolean' }, nullable: false,
      args: [{ kind: 'field', of: { kind: 'column', index: 1, type: { kind: 'struct', fields: [] }, nullable: true }, index: 1, type: amount, nullable: true }],
    },
  }],
  eventTime: { column: 1, delayMicros: 600_000_000, maxAheadMicros: 86_400_000_000 },
  aggregate: {
    window: { column: 1, sizeMicros: 300_000_000, slideMicros: 300_000_000, startMicros: 0 },
    keys: [{ column: 0, field: { name: 'customer_id', type: { kind: 'long' }, nullable: true } }],
    aggregates: [
      { fn: 'count', column: null, field: { name: 'n', type: { kind: 'long' }, nullable: false } },
      { fn: 'sum', column: 2, field: { name: 'total', type: { kind: 'decimal', precision: 22, scale: 2 }, nullable: true } },
    ],
    schema: [],
  },
  post: [],
  output: [{ name: 'total', type: { kind: 'decimal', precision: 22, scale: 2 }, nullable: true }],
  sink: { path: '/data/windows', outputMode: 'append', partitionBy: [], checkpointLocation: '/cp' },
  options: {
    shufflePartitions: 8, badRecords: 'quarantine', quarantinePath: '/data/quarantine', lateRows: 'drop', lateRowsPath: null,
    timeZone: 'UTC', triggerIntervalMicros: null, availableNow: true,
  },
};

describe('query metadata', () => {
  let location: string;
  beforeEach(async () => {
    location = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-qmeta-'));
  });
  afterEach(async () => {
    await fs.rm(location, { recursive: true, force: true });
  });

  it('is absent before the first start', async () => {
    assert.equal(await readQueryMetadata(storage, location), undefined);
  });

  it('is written once with a fresh UUID and read back unchanged', async () => {
    const { metadata, created } = await createQueryMetadata(storage, location, init, 1234);
    assert.equal(created, true);
    assert.match(metadata.queryId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(await readQueryMetadata(storage, location), { queryId: metadata.queryId, createdAtMs: 1234, ...init });
  });

  it('keeps the first queryId across restarts and concurrent creators', async () => {
    const first = await createQueryMetadata(storage, location, init);
    const again = await Promise.all([createQueryMetadata(storage, location, init), createQueryMetadata(storage, location, init)]);
    for (const r of again) {
      assert.equal(r.created, false);
      assert.equal(r.metadata.queryId, first.metadata.queryId);
    }
  });

  it('lets exactly one of two concurrent first starts create it', async () => {
    const results = await Promise.all([createQueryMetadata(storage, location, init), createQueryMetadata(storage, location, init)]);
    assert.deepEqual(results.map((r) => r.created).sort(), [false, true]);
    assert.equal(results[0].metadata.queryId, results[1].metadata.queryId);
  });

  it('reports a corrupt file with an error naming its path', async () => {
    const file = path.join(location, 'metadata');
    for (const content of ['', 'v1\n{"queryId":"not-a-uuid"}\n', 'v1\n{"queryId":\n']) {
      await fs.writeFile(file, content);
      await assert.rejects(readQueryMetadata(storage, location), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_CORRUPT');
        assert.ok(err.message.includes(file), err.message);
        return true;
      });
    }
  });

  describe('with the resolved query (v2)', () => {
    const file = () => path.join(location, 'metadata');
    const corrupt = (pattern: RegExp) => (err: unknown) => {
      assert.ok(err instanceof TributaryError);
      assert.equal(err.code, 'CHECKPOINT_CORRUPT');
      assert.match(err.message, pattern);
      return true;
    };

    it('is written as v2 and read back whole', async () => {
      const { metadata } = await createQueryMetadata(storage, location, { ...init, resolvedQuery }, 99);
      assert.match(await fs.readFile(file(), 'utf8'), /^v2\n\{.*"resolvedQuery":\{"format":1,/);
      const back = await readQueryMetadata(storage, location);
      assert.deepEqual(back, { queryId: metadata.queryId, createdAtMs: 99, ...init, resolvedQuery });
      // A restart does not rewrite it, even with another query.
      const again = await createQueryMetadata(storage, location, { ...init, resolvedQuery: { ...resolvedQuery, name: 'renamed' } });
      assert.equal(again.created, false);
      assert.equal(again.metadata.resolvedQuery?.name, null);
    });

    it('accepts every resolved query as its JSON document', () => {
      fc.assert(fc.property(resolvedQueryArb, (q) => {
        const doc = JSON.parse(JSON.stringify(q));
        assert.deepEqual(checkResolvedQueryDocument(doc, 'q'), q);
      }), { numRuns: 300 });
    });

    it('is still written as v1 without one', async () => {
      await createQueryMetadata(storage, location, init);
      assert.match(await fs.readFile(file(), 'utf8'), /^v1\n/);
      assert.equal((await readQueryMetadata(storage, location))?.resolvedQuery, undefined);
    });

    it('reads a v1 file of an earlier build, which has no resolved query', async () => {
      await fs.writeFile(file(), 'v1\n{"queryId":"0b7e4c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b","createdAtMs":5,"shufflePartitions":8,' +
        '"statefulFingerprint":"fp","sinkPaths":["/a"],"sourceTopic":"payments"}\n');
      assert.deepEqual(await readQueryMetadata(storage, location), {
        queryId: '0b7e4c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b', createdAtMs: 5, shufflePartitions: 8, statefulFingerprint: 'fp', sinkPaths: ['/a'], sourceTopic: 'payments',
      });
    });

    it('refuses a damaged resolved query, naming the field', async () => {
      const head = { queryId: '0b7e4c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b', createdAtMs: 5, ...init };
      const damaged: [unknown, RegExp][] = [
        [undefined, /metadata\.resolvedQuery must be an object, found nothing/],
        [{ ...resolvedQuery, format: 2 }, /metadata\.resolvedQuery\.format must be 1/],
        [{ ...resolvedQuery, output: [{ name: 'x', type: { kind: 'decimal', precision: 39, scale: 0 }, nullable: true }] }, /metadata\.resolvedQuery\.output\[0\]\.type\.precision must be at most 38/],
        [{ ...resolvedQuery, pre: [{ kind: 'filter', condition: { kind: 'column', index: -1, type: { kind: 'int' }, nullable: true } }] }, /metadata\.resolvedQuery\.pre\[0\]\.condition\.index/],
        [{ ...resolvedQuery, source: { ...resolvedQuery.source, startingOffsets: { payments: { x: 1 } } } }, /startingOffsets\.payments must be keyed by partition numbers/],
        [{ ...resolvedQuery, aggregate: { ...resolvedQuery.aggregate!, aggregates: [{ fn: 'median', column: 0, field: resolvedQuery.output[0] }] } }, /aggregates\[0\]\.fn must be one of count/],
      ];
      for (const [rq, pattern] of damaged) {
        await fs.writeFile(file(), `v2\n${JSON.stringify({ ...head, resolvedQuery: rq })}\n`);
        await assert.rejects(readQueryMetadata(storage, location), corrupt(pattern), String(pattern));
      }
      await fs.writeFile(file(), `v1\n${JSON.stringify({ ...head, resolvedQuery })}\n`);
      await assert.rejects(readQueryMetadata(storage, location), corrupt(/metadata\.resolvedQuery appears in a v1 file/));
    });

    it('refuses a newer format by name, and refuses to write a damaged resolved query', async () => {
      await fs.writeFile(file(), 'v3\n{}\n');
      await assert.rejects(readQueryMetadata(storage, location), (err: unknown) => err instanceof TributaryError && err.code === 'CHECKPOINT_FORMAT_UNSUPPORTED');
      await fs.rm(file());
      const bad = { ...resolvedQuery, sink: { ...resolvedQuery.sink, outputMode: 'upsert' } } as unknown as ResolvedQuery;
      await assert.rejects(createQueryMetadata(storage, location, { ...init, resolvedQuery: bad }), InvalidArgumentError);
      assert.equal(await readQueryMetadata(storage, location), undefined);
    });
  });
});
