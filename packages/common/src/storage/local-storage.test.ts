import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import { processStorage } from './storage-router';
import { storageContract } from './storage-contract';

storageContract('LocalStorage', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-storage-'));
  return { storage: new LocalStorage(), base: path.join(dir, 'base'), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

storageContract('the process storage on local paths', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-storage-'));
  return { storage: processStorage(), base: dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

describe('LocalStorage', () => {
  let dir: string;
  const storage = new LocalStorage();
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-storage-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('leaves no temp file behind, won or lost', async () => {
    await storage.putIfAbsent(path.join(dir, 'a'), '1');
    await storage.putIfAbsent(path.join(dir, 'a'), '2');
    await storage.put(path.join(dir, 'b'), '3');
    assert.deepEqual((await fs.readdir(dir)).sort(), ['a', 'b']);
  });

  it('removeStaleTempFiles deletes only old temp files', async () => {
    const old = path.join(dir, '.x.123.abc.tmp');
    const fresh = path.join(dir, '.y.123.def.tmp');
    await fs.writeFile(old, 'o');
    await fs.writeFile(fresh, 'f');
    await fs.writeFile(path.join(dir, 'kept'), 'k');
    await fs.writeFile(path.join(dir, '.lock'), 'l');
    const past = new Date(Date.now() - 2 * 3600_000);
    await fs.utimes(old, past, past);
    assert.equal(await storage.removeStaleTempFiles(dir, 3600_000), 1);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['.lock', '.y.123.def.tmp', 'kept']);
    assert.equal(await storage.removeStaleTempFiles(path.join(dir, 'absent'), 0), 0);
  });

  it('a symbolic link or a directory is no object to head and list', async () => {
    await fs.writeFile(path.join(dir, 'real'), 'r');
    await fs.symlink(path.join(dir, 'real'), path.join(dir, 'link'));
    await fs.mkdir(path.join(dir, 'sub'));
    assert.equal(await storage.head(path.join(dir, 'link')), undefined);
    assert.equal(await storage.head(path.join(dir, 'sub')), undefined);
    assert.deepEqual((await storage.list(dir)).map((o) => o.name), ['real']);
  });

  it('refuses relative paths', async () => {
    await assert.rejects(storage.get('relative/file'), /absolute path/);
  });
});

describe('processStorage', () => {
  it('refuses a scheme no storage serves by name, and serves s3:// and s3a:// with one S3Storage', async () => {
    await assert.rejects(processStorage().get('gs://bucket/table/_delta_log/00000000000000000000.json'), /gs:\/\/ storage is not configured/);
    assert.throws(() => processStorage().storageFor('abfss://container@account/x'), /abfss:\/\/ storage is not configured/);
    const router = processStorage();
    assert.ok(router.storageFor('s3://bucket/x') instanceof S3Storage);
    assert.equal(router.storageFor('s3a://bucket/y'), router.storageFor('s3://bucket/x'));
  });
});
