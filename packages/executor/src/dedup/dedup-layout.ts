/**
 * What deduplication reads and keeps, derived once from the resolved query (DedupSpec over pre's
 * output, whose columns are all scalar):
 *
 *   shuffled rows   pre's output + kafka_partition int + kafka_offset long (both not null): each
 *                   row with the Kafka record it came from, so the owner can keep, of the rows of
 *                   one key in a batch, the one with the lowest (partition, offset) — the same row
 *                   whichever map task or attempt sent it
 *   state rows      the key columns (pre's fields) + expires_at timestamp not null: a key leaves
 *                   state in the first batch whose watermark ≥ expires_at
 *
 * expires_at is the key's event time for dropDuplicates (the event-time column is a key, so every
 * row of a key has it), and the event time of the key's first row + the watermark delay for
 * dropDuplicatesWithinWatermark (Spark's expiresAtMicros).
 */
import { INT, LONG, ResolvedQuery, SqlField, TIMESTAMP, isScalar, simpleString, sqlField, stepsOutput } from '@tributary/common';

export interface DedupLayout {
  /** pre's output: the rows deduplicated. */
  readonly rowSchema: readonly SqlField[];
  /** Key columns of rowSchema. */
  readonly keys: readonly number[];
  /** The watermark's column in rowSchema. */
  readonly eventTime: number;
  /** Added to the first row's event time for its key's expiry (0 for dropDuplicates). */
  readonly expiryDelayMicros: number;
  readonly withinWatermark: boolean;
  /** rowSchema + kafka_partition + kafka_offset. */
  readonly shuffleSchema: readonly SqlField[];
  /** The key fields + expires_at. */
  readonly stateSchema: readonly SqlField[];
}

export const KAFKA_PARTITION_FIELD: SqlField = sqlField('kafka_partition', INT, false);
export const KAFKA_OFFSET_FIELD: SqlField = sqlField('kafka_offset', LONG, false);
export const EXPIRES_AT_FIELD: SqlField = sqlField('expires_at', TIMESTAMP, false);

export function dedupLayout(query: ResolvedQuery): DedupLayout {
  const d = query.dedup;
  if (d === undefined) throw new RangeError('the query has no dropDuplicates');
  if (query.eventTime === null) throw new RangeError('dropDuplicates needs a watermark');
  const rowSchema = stepsOutput(query.scan.schema, query.pre);
  for (const f of rowSchema) if (!isScalar(f.type)) throw new RangeError(`dropDuplicates over column ${f.name} of type ${simpleString(f.type)}`);
  for (const k of d.keys) if (rowSchema[k] === undefined) throw new RangeError(`dropDuplicates key column ${k} is not in pre's output`);
  return {
    rowSchema,
    keys: d.keys,
    eventTime: query.eventTime.column,
    expiryDelayMicros: d.withinWatermark ? query.eventTime.delayMicros : 0,
    withinWatermark: d.withinWatermark,
    shuffleSchema: [...rowSchema, KAFKA_PARTITION_FIELD, KAFKA_OFFSET_FIELD],
    stateSchema: [...d.keys.map((k) => rowSchema[k]), EXPIRES_AT_FIELD],
  };
}
