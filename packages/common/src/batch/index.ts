/** Batch ids and state versions, and the one relation between them. */
export {
  BatchId, StateVersion, EMPTY_STATE_VERSION, asBatchId, asStateVersion, stateVersionAfter, batchThatWrote, nextBatch,
  previousBatch,
} from './batch-id';
