/**
 * General group-by: group keys of any scalar type (and a tumbling window), count, exact sums, avg,
 * min and max (strings too), approx_count_distinct (HyperLogLog++) on typed arrays, Spark's hash
 * partitioning of groups, the partials and state codecs, and the per-partition state table with
 * append-mode eviction and complete-mode output.
 *
 * How a batch flows (task/aggregate-map-task.ts, task/reduce-task.ts, state/live-state.ts):
 *
 *   map task     layout = groupLayout(query.aggregate, pre's schema)
 *                PartialGroupAggregator.add(batch, lateWatermark) for each ColumnBatch of pre's output
 *                drainPartitions(P) → partials per shuffle partition (group-partition.ts: Spark's
 *                pmod(hash(window, keys…), P)) → encodeGroupPartials → shuffle
 *   reduce task  GroupStateTable of the partition (loadSnapshot + applyChanges from the store)
 *                merge(decodeGroupPartials(…)); append: evictClosed(watermark), complete: allRows()
 *                → outputRows() → sink; changesSinceMark() → encodeGroupChanges → state version N+1
 *                (snapshots: copyImage() on the event loop, encodeGroupImage() on a worker thread)
 *
 * Module map: group-layout (spec → state schema), bytes-dictionary + group-keys (composite keys →
 * dense group ids), accumulators (+ string-min-max, sketch-accumulator, hyperloglog, xxhash64,
 * hyperloglog-bias), finish-aggregates (avg, estimates), group-table (one hash aggregation table), spark-hash +
 * group-partition (the partition of a group), arrow-columns + group-codec (Arrow IPC),
 * group-state-table, group-image (snapshot copies), output-rows, column-slices; key-columns (one key column: words, hash, compaction).
 */
export { GroupLayout, WindowLayout, KeyLayout, AggregateLayout, StatePart, StateKind, groupLayout, sumResultType, WINDOW_START_FIELD } from './group-layout';
export { GroupTable, AddRowsResult } from './group-table';
export { PartialGroupAggregator, GroupDrainResult } from './partial-group-aggregator';
export { GroupStateTable } from './group-state-table';
export { GroupImage, ImageBuffers, encodeGroupImage, allocateImageBuffers, imageFits } from './group-image';
export { outputRows } from './output-rows';
export { groupHashes, groupPartitions } from './group-partition';
export {
  GroupChangeSet,
  encodeGroupPartials,
  decodeGroupPartials,
  encodeGroupChanges,
  decodeGroupChanges,
  GROUP_PARTIALS_FORMAT,
  GROUP_CHANGES_FORMAT,
} from './group-codec';
export { SPARK_HASH_SEED, hashInt, hashLong, hashDouble, hashBytes, hashDecimal } from './spark-hash';
