/**
 * The shared Storage contract suite (packages/common/src/storage/storage-contract.ts), the same one
 * LocalStorage runs, on S3Storage against a real S3-compatible server, a fresh prefix per test; and
 * on the process storage (StorageRouter) reaching that server through s3:// and s3a:// locations
 * configured from the AWS environment only.
 */
import { processStorage } from '@tributary/common';
import { storageContract } from '@tributary/common/dist/storage/storage-contract';
import { S3TestServer } from '../support/s3-server';

describe('S3Storage meets the storage contract', function () {
  let server: S3TestServer;
  let bucket: string;
  let n = 0;
  const saved: Record<string, string | undefined> = {};

  before(async function () {
    this.timeout(240_000);
    server = await S3TestServer.start();
    bucket = await server.createBucket();
    for (const [k, v] of Object.entries(server.environment())) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  after(async function () {
    this.timeout(60_000);
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await server?.stop();
  });

  storageContract('S3Storage', async () => ({ storage: server.storage(), base: `s3://${bucket}/contract-${n++}` }));
  storageContract('the process storage on s3:// locations', async () => ({ storage: processStorage(), base: `s3://${bucket}/router-${n++}` }));
  storageContract('the process storage on s3a:// locations', async () => ({ storage: processStorage(), base: `s3a://${bucket}/router-a-${n++}` }));
});
