/**
 * The side tables of a query (DESIGN.md, "The batch protocol" step 5: committed before the main
 * table, each with `txn {appId: queryId, version: N}`). Map tasks write their files; the driver
 * commits them. Both are plain Delta tables, unpartitioned.
 *
 * Quarantine table — one row per Kafka record that could not become an event row:
 *
 *   topic            string     not null
 *   partition        integer    not null
 *   offset           long       not null
 *   kafka_timestamp  timestamp  nullable   the record's own timestamp (null when Kafka has none, -1)
 *   key              binary     nullable   raw key bytes (null: no key)
 *   value            binary     nullable   raw value bytes (null: a tombstone)
 *   reason           string     not null   a stable code (docs/bad-input.md)
 *   detail           string     not null   a readable sentence: what is wrong, where in the value
 *   batch_id         long       not null   the micro-batch that read the record
 *
 * Late-rows table — one row per valid event dropped because its window had closed: the columns of
 * the aggregation's input row, then where it was in Kafka, the batch and the watermark
 * (lateRowsTableSchema, late-rows-table.ts).
 */
import { field, primitive, struct, StructType } from '../delta';

export const QUARANTINE_TABLE_SCHEMA: StructType = struct([
  field('topic', primitive('string'), false),
  field('partition', primitive('integer'), false),
  field('offset', primitive('long'), false),
  field('kafka_timestamp', primitive('timestamp'), true),
  field('key', primitive('binary'), true),
  field('value', primitive('binary'), true),
  field('reason', primitive('string'), false),
  field('detail', primitive('string'), false),
  field('batch_id', primitive('long'), false),
]);

/** Reason code of an event stamped further ahead of the batch's reference time than the allowed skew. */
export const EVENT_TIME_TOO_FAR_AHEAD = 'EVENT_TIME_TOO_FAR_AHEAD';

/**
 * Reason code of a row whose event time (the watermark's or the window's column) is null in a query
 * that uses one: Spark drops such rows silently, Tributary quarantines them.
 */
export const NULL_EVENT_TIME = 'NULL_EVENT_TIME';

/** Side-table names as map tasks report their files and progress names them. */
export type SideTableName = 'quarantine' | 'lateRows';

/** Default side-table locations: beside the sink, `<sink path>_quarantine` and `<sink path>_late_rows`. */
export function defaultSideTablePath(sinkPath: string, table: SideTableName): string {
  const base = sinkPath.replace(/\/+$/, '');
  return table === 'quarantine' ? `${base}_quarantine` : `${base}_late_rows`;
}

/** Default skew of the event-time guard: events more than this after the batch's reference time are quarantined. */
export const DEFAULT_MAX_EVENT_TIME_AHEAD = '1 day';
