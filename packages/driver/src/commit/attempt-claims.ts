/**
 * Attempt numbers of a batch are claimed durably under the checkpoint, so that they never repeat,
 * not even across driver restarts or a Redis that lost its data: attempt A of batch N exists once
 * `<checkpoint>/attempts/<N>.<A>` was written with `putIfAbsent` (the first free A from 1 up wins).
 * State files and fences carry (N, A), so a unique A keeps a paused executor of an old attempt from
 * ever writing as the new one. Purging lists the directory: a claim it misses is left for the next
 * purge, never reused (claims are only ever won by putIfAbsent).
 */
import { BatchId, joinLocation, Storage } from '@tributary/common';

export async function claimAttempt(storage: Storage, checkpointDir: string, batchId: BatchId): Promise<number> {
  const dir = joinLocation(checkpointDir, 'attempts');
  for (let attempt = 1; ; attempt++) {
    if (await storage.putIfAbsent(joinLocation(dir, `${batchId}.${attempt}`), `${process.pid} ${Date.now()}\n`)) return attempt;
  }
}

/** Removes attempt claims of batches older than `keepFromBatchId`. */
export async function purgeAttemptClaims(storage: Storage, checkpointDir: string, keepFromBatchId: BatchId): Promise<void> {
  const dir = joinLocation(checkpointDir, 'attempts');
  for (const { name } of await storage.list(dir)) {
    const n = Number(name.split('.')[0]);
    if (Number.isInteger(n) && n < keepFromBatchId) await storage.delete(joinLocation(dir, name));
  }
}
