import { InvalidArgumentError } from '../errors';

/**
 * Batch ids and state versions: two counters that differ by one, given distinct types so that one
 * is never passed for the other.
 *
 *   BatchId        N = 0, 1, 2, … : the micro-batch (offsets/N, commits/N, BatchContext.batch_id,
 *                  the sinks' txn version, the shuffle's and the executors' attempt bookkeeping).
 *   StateVersion   v = 0, 1, 2, … : the state of a shuffle partition in the state store (file and
 *                  Redis names, the fence). Version 0 is the empty state before the first batch.
 *
 * The relation, as in Spark's state store: batch N reads state version N and writes version N+1,
 * so version v (v ≥ 1) is the state after batch v−1. `stateVersionAfter` (batch or null → version)
 * and its inverse `batchThatWrote` are the one place that relation is written down; nothing else
 * adds or subtracts one to move between the two.
 *
 * Both are plain numbers at run time; `asBatchId` / `asStateVersion` brand a number read at a
 * boundary (a proto field, a JSON document, a file name) after checking it is an integer ≥ 0.
 */
export type BatchId = number & { readonly __brand: 'BatchId' };
export type StateVersion = number & { readonly __brand: 'StateVersion' };

/** The empty state every partition starts from, before batch 0. */
export const EMPTY_STATE_VERSION = 0 as StateVersion;

export function asBatchId(n: number): BatchId {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`a batch id must be an integer >= 0, got ${n}`);
  return n as BatchId;
}

export function asStateVersion(n: number): StateVersion {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`a state version must be an integer >= 0, got ${n}`);
  return n as StateVersion;
}

/**
 * The state version batch N writes: N+1; for null (no batch yet), the empty version 0. Batch N reads
 * the version its previous batch wrote: `stateVersionAfter(previousBatch(N))`, which is N.
 */
export function stateVersionAfter(batch: BatchId | null): StateVersion {
  return (batch === null ? 0 : batch + 1) as StateVersion;
}

/** The inverse: the batch that wrote state version v (v−1), or null for the empty version 0. */
export function batchThatWrote(version: StateVersion): BatchId | null {
  return version === 0 ? null : ((version - 1) as BatchId);
}

/** The batch after N. */
export function nextBatch(batch: BatchId): BatchId {
  return (batch + 1) as BatchId;
}

/** The batch before N, or null before batch 0. */
export function previousBatch(batch: BatchId): BatchId | null {
  return batch === 0 ? null : ((batch - 1) as BatchId);
}
