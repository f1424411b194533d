/**
 * General group-by: group keys of any scalar type (and a tumbling window), count and exact sums on
 * typed arrays, Spark's hash partitioning of groups, the partials and state codecs, and the
 * per-partition state table with append-mode eviction and complete-mode output.
 */
export { GroupLayout, WindowLayout, KeyLayout, AggregateLayout, SupportedAggregate, groupLayout, sumResultType, WINDOW_START_FIELD } from './group-layout';
export { GroupTable, AddRowsResult } from './group-table';
export { PartialGroupAggregator, GroupDrainResult } from './partial-group-aggregator';
export { GroupStateTable } from './group-state-table';
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
