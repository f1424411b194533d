/**
 * A child process for the cross-process commit race test (not a test itself):
 *   node commit-race-child.js <tablePath> <workerId> <commits>
 * Appends `commits` files, each in its own commit with txn `worker-<id>` = k, reading the latest
 * snapshot before each commit.
 */
import { commit } from './transaction';
import { readSnapshot } from './snapshot';
import { LocalStorage } from '../storage/local-storage';
const storage = new LocalStorage();

async function main(): Promise<void> {
  const [tablePath, workerId, commits] = process.argv.slice(2);
  for (let k = 0; k < Number(commits); k++) {
    const snapshot = await readSnapshot(storage, tablePath);
    const result = await commit(storage, 
      tablePath,
      [{ add: { path: `w${workerId}-${k}.parquet`, partitionValues: {}, size: 1, modificationTime: 1, dataChange: true } }],
      { readVersion: snapshot.version, snapshot, operation: 'WRITE', txn: { appId: `worker-${workerId}`, version: k } },
    );
    if (result.skipped) throw new Error(`worker ${workerId} commit ${k} was skipped: ${result.reason}`);
  }
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(1);
});
