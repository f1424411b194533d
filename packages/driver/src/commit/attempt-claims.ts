/**
 * Attempt numbers of a batch are claimed durably under the checkpoint, so that they never repeat,
 * not even across driver restarts or a Redis that lost its data: attempt A of batch N exists once
 * `<checkpoint>/attempts/<N>.<A>` was created with O_EXCL. State files and fences carry (N, A), so
 * a unique A keeps a paused executor of an old attempt from ever writing as the new one.
 */
import { BatchId } from '@tributary/common';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function claimAttempt(checkpointDir: string, batchId: BatchId): number {
  const dir = path.join(checkpointDir, 'attempts');
  fs.mkdirSync(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      fs.writeFileSync(path.join(dir, `${batchId}.${attempt}`), `${process.pid} ${Date.now()}\n`, { flag: 'wx' });
      return attempt;
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err;
    }
  }
}

/** Removes attempt claims of batches older than `keepFromBatchId`. */
export function purgeAttemptClaims(checkpointDir: string, keepFromBatchId: BatchId): void {
  const dir = path.join(checkpointDir, 'attempts');
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const n = Number(name.split('.')[0]);
    if (Number.isInteger(n) && n < keepFromBatchId) fs.rmSync(path.join(dir, name), { force: true });
  }
}
