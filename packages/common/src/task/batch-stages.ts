/**
 * The stages of a batch, by query shape (resolved-query.ts):
 *
 *   ingest job                      map tasks write the table's files (no shuffle, no state)
 *   aggregation                     map (partial aggregates) → shuffle → reduce (state, files)
 *   ingest job with dropDuplicates  map (rows) → shuffle → dedup reduce (dedup state, files)
 *   dropDuplicates, then an         map (rows) → shuffle by dedup keys → dedup reduce (dedup state,
 *     aggregation                     the steps between, partial aggregates) → shuffle by group keys
 *                                     → aggregation reduce (aggregation state, files)
 *
 * In the last shape a batch holds two shuffles and two stateful operators on the same P shuffle
 * partitions (each partition owned by one executor for the attempt, as always):
 *   - the second shuffle's inbox is named apart from the first (aggregateShuffleId), and its
 *     senders are the dedup reduce tasks, numbered 0, 1, … in the driver's order of owners;
 *   - the state store holds both operators: the aggregation's state of partition p as store
 *     partition p (where a query without dedup keeps it), the dedup state of p as store partition
 *     P + p (dedupStatePartition). Both are written as version N+1, fenced by (N+1, A), before the
 *     batch's reduce tasks answer, so both are durable before any sink commit of N.
 */
import { dedupBeforeAggregate, type ResolvedQuery } from '../plan/resolved-query';

/** The shuffle inbox name of the second shuffle (dedup reduce → aggregation reduce) of `queryId`. */
export function aggregateShuffleId(queryId: string): string {
  return `${queryId}/aggregate`;
}

/** The state store partition holding shuffle partition `partition`'s dedup state. */
export function dedupStatePartition(query: ResolvedQuery, shufflePartitions: number, partition: number): number {
  return dedupBeforeAggregate(query) ? shufflePartitions + partition : partition;
}

/** How many state store partitions a query keeps (every one written at every version). */
export function stateStorePartitions(query: ResolvedQuery, shufflePartitions: number): number {
  // A CDC query's route r keeps its key state of shuffle partition p in partition r·P + p (cdc-spec.ts).
  if (query.cdc !== undefined) return (1 + (query.cdc.routes?.length ?? 0)) * shufflePartitions;
  return dedupBeforeAggregate(query) ? 2 * shufflePartitions : shufflePartitions;
}
