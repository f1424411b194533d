import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TributaryError } from '../errors';
import { createQueryMetadata, readQueryMetadata, type NewQueryMetadata } from './query-metadata';

const init: NewQueryMetadata = {
  shufflePartitions: 8,
  statefulFingerprint: '{"keys":["customer_id"],"window":"5 minutes"}',
  sinkPaths: ['/data/quarantine', '/data/windows'],
  sourceTopic: 'payments',
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
    assert.equal(await readQueryMetadata(location), undefined);
  });

  it('is written once with a fresh UUID and read back unchanged', async () => {
    const { metadata, created } = await createQueryMetadata(location, init, 1234);
    assert.equal(created, true);
    assert.match(metadata.queryId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(await readQueryMetadata(location), { queryId: metadata.queryId, createdAtMs: 1234, ...init });
  });

  it('keeps the first queryId across restarts and concurrent creators', async () => {
    const first = await createQueryMetadata(location, init);
    const again = await Promise.all([createQueryMetadata(location, init), createQueryMetadata(location, init)]);
    for (const r of again) {
      assert.equal(r.created, false);
      assert.equal(r.metadata.queryId, first.metadata.queryId);
    }
  });

  it('lets exactly one of two concurrent first starts create it', async () => {
    const results = await Promise.all([createQueryMetadata(location, init), createQueryMetadata(location, init)]);
    assert.deepEqual(results.map((r) => r.created).sort(), [false, true]);
    assert.equal(results[0].metadata.queryId, results[1].metadata.queryId);
  });

  it('reports a corrupt file with an error naming its path', async () => {
    const file = path.join(location, 'metadata');
    for (const content of ['', 'v1\n{"queryId":"not-a-uuid"}\n', 'v1\n{"queryId":\n']) {
      await fs.writeFile(file, content);
      await assert.rejects(readQueryMetadata(location), (err: unknown) => {
        assert.ok(err instanceof TributaryError);
        assert.equal(err.code, 'CHECKPOINT_CORRUPT');
        assert.ok(err.message.includes(file), err.message);
        return true;
      });
    }
  });
});
