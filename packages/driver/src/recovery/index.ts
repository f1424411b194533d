/** Recovery: the pure decision of what a (re)starting query does first. */
export {
  decideRecovery,
  firstRead,
  type RecoveryFacts,
  type RecoveryDecision,
  type SinkFact,
  type SourceFacts,
  type PlannedSource,
  type PartitionOffset,
  type LostRange,
  type FailCode,
} from './decide';
