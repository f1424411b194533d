/**
 * What a change-event source is: its format and the source table's columns and keys. The resolved
 * query carries it (ResolvedQuery.cdc) and the readers derive their decoding from it.
 */
import { BOOLEAN, sqlField, TIMESTAMP, type SqlField } from '../schema/sql-type';

export type ChangeFormat = 'goldengate' | 'debezium';
export const CHANGE_FORMATS: readonly ChangeFormat[] = ['goldengate', 'debezium'];

/** Which field of Debezium's `source` block is the position (one per connector: PostgreSQL lsn, Oracle scn, MySQL binlog). */
export type DebeziumPosition = 'lsn' | 'scn' | 'binlog';
export const DEBEZIUM_POSITIONS: readonly DebeziumPosition[] = ['lsn', 'scn', 'binlog'];

export interface ChangeSourceSpec {
  format: ChangeFormat;
  /** The source table's columns, as the change events carry them (by name). */
  columns: SqlField[];
  /** Names of the key columns, in `columns`. */
  keys: string[];
  /** Debezium only: where its position is; null for GoldenGate (its `pos`). */
  position: DebeziumPosition | null;
  /** Zone of timestamps written without an offset (GoldenGate's op_ts): 'UTC' or a fixed offset. */
  timeZone: string;
  maxValueBytes: number;
}

/**
 * A CDC query (ResolvedQuery.cdc): change events read from Kafka (ChangeSourceSpec) applied to the
 * Delta table by key (apply-changes.ts in the executor). The query's output is the source's columns
 * minus `exceptColumns`; its keys are output columns.
 */
export interface CdcSpec {
  source: ChangeSourceSpec;
  /** Output columns of the keys, in `keys` order. */
  keyColumns: number[];
  /** Only changes of this source table are applied (GoldenGate `table`, Debezium schema.table), compared exactly; null: every change. */
  sourceTable: string | null;
  /** Columns of the source left out of the table. */
  exceptColumns: string[];
  /** 'scd1': the table holds each key's current row; 'scd2': every version, with SCD2_FIELDS after the columns. */
  storedAs: 'scd1' | 'scd2';
  /** How long (source commit time, µs) a deleted key's tombstone is kept. */
  tombstoneRetentionMicros: number;
  /**
   * More source tables, each applied to a Delta table of its own (routes 1, 2, …; the fields above
   * are route 0, written to the query's output and sink path). Absent for a query of one table.
   */
  routes?: CdcRoute[];
}

/** A source table of a CDC query with its own columns, keys and table (sourceTable null only for route 0 of a query of one table). */
export interface CdcRoute extends Omit<CdcSpec, 'routes'> {
  /** The table's columns (the source's minus exceptColumns, then SCD2_FIELDS for 'scd2'). */
  output: SqlField[];
  /** The Delta table's location as the user wrote it (resolved like the sink path). */
  path: string;
}

/**
 * Every table a CDC query applies, route 0 (the query's own output and sink path) first. Route r's
 * key state of shuffle partition p is state partition r·P + p (cdcStatePartition), so a query of
 * one table keeps its layout.
 */
export function cdcRoutes(cdc: CdcSpec, output: readonly SqlField[], path: string): CdcRoute[] {
  const { routes, ...main } = cdc;
  return [{ ...main, output: [...output], path }, ...(routes ?? [])];
}

/** The state-store partition of route `route`'s key state of shuffle partition `partition` (P shuffle partitions). */
export function cdcStatePartition(route: number, partition: number, P: number): number {
  return route * P + partition;
}

/**
 * The columns an SCD type 2 table has after the source's: when a version began and ended (the
 * commit times of the changes that made and ended it; valid_to null while current) and whether it
 * is the current one.
 */
export const SCD2_FIELDS: readonly SqlField[] = [
  sqlField('__valid_from', TIMESTAMP, false), sqlField('__valid_to', TIMESTAMP, true), sqlField('__is_current', BOOLEAN, false),
];

/** The columns of a CDC query's output that come from the source (the output without SCD2_FIELDS). */
export function cdcDataColumns(cdc: Pick<CdcSpec, 'storedAs'>, output: readonly SqlField[]): readonly SqlField[] {
  return cdc.storedAs === 'scd2' ? output.slice(0, output.length - SCD2_FIELDS.length) : output;
}
