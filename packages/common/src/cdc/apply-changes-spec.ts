/**
 * How a user asks for a CDC query, as the spec carries it (the job API builds it:
 * readStream.option('changes.format', …) and writeStream.applyChanges({…})); resolve/cdc.ts checks
 * it and makes the resolved query's CdcSpec.
 */
import type { SqlField } from '../schema/sql-type';

/** On the Kafka source: its records are change events of this format. */
export interface ChangeEventsSpec {
  /** 'goldengate' | 'debezium' */
  format: string;
  /** Debezium only: 'lsn' | 'scn' | 'binlog', the field of `source` that is the position. */
  position?: string;
}

/** On the Delta sink: apply the changes to the table by key. */
export interface ApplyChangesSpec {
  /** Key column names. */
  keys: string[];
  /** The source table's columns as the events carry them. */
  columns: SqlField[];
  /** What orders the changes of a key: 'position' (the source's log position, the default) is the one supported. */
  sequenceBy?: string;
  /** Apply only this source table's changes (GoldenGate `table`, Debezium schema.table or db.table). */
  sourceTable?: string;
  /** Columns left out of the table. */
  exceptColumns?: string[];
  /** 'scd1' (current rows, the default) or 'scd2' (every version, with __valid_from, __valid_to, __is_current). */
  storedAs?: string;
  /** How long a deleted key's tombstone is kept, in source commit time (a duration; default '7 days'). */
  tombstoneRetention?: string;
  /** More source tables of the same change stream, each applied to a Delta table of its own (docs/cdc.md, "Several source tables"). */
  routes?: ApplyChangesRouteSpec[];
}

/** One more source table of a query's change stream and the Delta table it is applied to. */
export interface ApplyChangesRouteSpec {
  /** The source table (GoldenGate `table`, Debezium schema.table): required. */
  sourceTable: string;
  /** The Delta table's location. */
  path: string;
  keys: string[];
  columns: SqlField[];
  sequenceBy?: string;
  exceptColumns?: string[];
  storedAs?: string;
  tombstoneRetention?: string;
}
