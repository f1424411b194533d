/**
 * The late-rows table of a resolved query with an aggregation (lateRows 'table', append mode): one
 * row per valid row the aggregation dropped because its window had closed (window end ≤ WM(N−1)).
 * Its schema follows the query:
 *
 *   the aggregation's input row    the columns of aggregateInput(query), with their types,
 *                                  every top-level column nullable (nested fields as declared)
 *   topic            string     not null   where the record was in Kafka
 *   partition        integer    not null
 *   offset           long       not null
 *   kafka_timestamp  timestamp  nullable   the record's own timestamp (null when Kafka has none, -1)
 *   batch_id         long       not null   the batch that dropped it
 *   watermark        timestamp  not null   WM(N−1), the watermark its window end was at or below
 *
 * A metadata column whose name an input column already has (regardless of case, as Delta compares
 * names) takes a leading '_' until it is unique: an input `offset` leaves the record's offset in
 * `_offset`. The driver creates the table with this schema (a table that exists with another is
 * refused at submit) and the map tasks write files of it (executor sink/late-rows-batches.ts).
 */
import { INT, LONG, STRING, TIMESTAMP, SqlField, sqlField } from '../schema/sql-type';
import { ResolvedQuery, aggregateInput } from '../plan/resolved-query';

/** The metadata columns after the input row, in order, with their names before any clash. */
export const LATE_ROWS_METADATA: readonly SqlField[] = [
  sqlField('topic', STRING, false),
  sqlField('partition', INT, false),
  sqlField('offset', LONG, false),
  sqlField('kafka_timestamp', TIMESTAMP, true),
  sqlField('batch_id', LONG, false),
  sqlField('watermark', TIMESTAMP, false),
];

/** The late-rows table's columns for `query`: its aggregation's input row, then LATE_ROWS_METADATA. */
export function lateRowsTableSchema(query: ResolvedQuery): SqlField[] {
  if (query.aggregate === null) throw new RangeError('only a query with an aggregation has late rows');
  const input = aggregateInput(query).map((f) => ({ ...f, nullable: true }));
  const taken = new Set(input.map((f) => f.name.toLowerCase()));
  const metadata = LATE_ROWS_METADATA.map((f) => {
    let name = f.name;
    while (taken.has(name.toLowerCase())) name = `_${name}`;
    taken.add(name.toLowerCase());
    return { ...f, name };
  });
  return [...input, ...metadata];
}
