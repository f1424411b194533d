import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createQueryMetadata, readQueryMetadata, referenceJobSpec, resolveQuery, upgradeSpec } from '@tributary/common';
import { earlierFormatRefusal } from './earlier-checkpoint';
import { LocalStorage } from '@tributary/common';
const storage = new LocalStorage();

describe('checkpoints of an earlier version', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-earlier-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const init = { shufflePartitions: 8, statefulFingerprint: '{}', sinkPaths: ['/t'], sourceTopic: 'customer_events' };

  it('refuses metadata v1 (no resolved query: the seed state format), naming the problem and what to do', async () => {
    await createQueryMetadata(storage, dir, init);
    assert.equal(fs.readFileSync(path.join(dir, 'metadata'), 'utf8').split('\n')[0], 'v1');
    const refusal = earlierFormatRefusal(dir, (await readQueryMetadata(storage, dir))!);
    assert.ok(refusal !== null);
    assert.match(refusal, new RegExp(`^the checkpoint at ${dir} was written by an earlier version of Tributary \\(query metadata v1`));
    assert.match(refusal, /no longer reads\. Run the query with a new checkpoint location/);
  });

  it('accepts metadata v2 (with the resolved query)', async () => {
    await createQueryMetadata(storage, dir, { ...init, resolvedQuery: resolveQuery(upgradeSpec(referenceJobSpec())) });
    assert.equal(earlierFormatRefusal(dir, (await readQueryMetadata(storage, dir))!), null);
  });
});
