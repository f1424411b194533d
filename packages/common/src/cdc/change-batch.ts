/**
 * The typed change row every change-event format is read into (goldengate-reader.ts,
 * debezium-reader.ts), as columns:
 *
 *   op         INSERT, UPDATE, DELETE or TRUNCATE (OP below). A primary-key update is read as two
 *              rows at the same position: DELETE of the old key, then INSERT of the new row.
 *              INSERT and UPDATE both mean "the row with this key now holds these columns"
 *              (an insert over a live key, as a snapshot read or a replay brings, overwrites it).
 *   table      the source table (GoldenGate's `table`, Debezium's source schema.table), an index
 *              into `tables`
 *   position   where the change is in the source's log, as two exact integers compared major
 *              first (position.ts): the order in which changes of one key are applied
 *   opTime     when the source committed the change, µs since the epoch (null: unknown)
 *   row        the row image in the table's schema: after-image for INSERT/UPDATE, before-image
 *              (its keys at least) for DELETE, all null for TRUNCATE
 *   present    per column of the table, per row: 1 when the change carries the column (a
 *              compressed update carries the keys and the changed columns only)
 *
 * Rows are in record order; `recordIndex[i]` is the Kafka record (index in its chunk) row i came
 * from, so a key-update's two rows share one.
 */
import type { ColumnBatch } from '../columns/vector';

export const OP = { INSERT: 0, UPDATE: 1, DELETE: 2, TRUNCATE: 3 } as const;
export type Op = (typeof OP)[keyof typeof OP];
export const OP_NAMES = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const;

export interface ChangeBatch {
  count: number;
  op: Uint8Array;
  table: Int32Array;
  tables: readonly string[];
  posMajor: Float64Array;
  posMinor: Float64Array;
  opTime: Float64Array;
  opTimeValid: Uint8Array;
  row: ColumnBatch;
  present: Uint8Array[];
  recordIndex: Int32Array;
}
