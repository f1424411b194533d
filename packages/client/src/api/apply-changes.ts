/** writeStream.applyChanges's options as the user writes them → the spec's ApplyChangesSpec (checked at submit by the resolver). */
import type { ApplyChangesSpec } from '@tributary/common';
import { parseDdlSchema, StructType } from './types';
import { invalid } from './unsupported';

export interface ApplyChangesOptions {
  /** Key column names (one name or several). */
  keys: string | string[];
  /** The source table's columns: a StructType or a DDL string ('ID BIGINT NOT NULL, NAME STRING'). */
  columns: StructType | string;
  /** 'position' (the default): changes are ordered by the source's log position. */
  sequenceBy?: string;
  /** Apply only this source table's changes. */
  sourceTable?: string;
  /** Columns left out of the table. */
  exceptColumns?: string[];
  /** 'scd1' (the default). */
  storedAs?: string;
  /** How long a deleted key's tombstone is kept, in source time (default '7 days'). */
  tombstoneRetention?: string;
}

export function applyChangesSpecOf(o: ApplyChangesOptions): ApplyChangesSpec {
  if (o === null || typeof o !== 'object') throw invalid('applyChanges takes { keys, columns, … }');
  const schema = typeof o.columns === 'string' ? parseDdlSchema(o.columns) : o.columns;
  if (!(schema instanceof StructType)) throw invalid('applyChanges columns: pass a StructType or a DDL string');
  const spec: ApplyChangesSpec = { keys: typeof o.keys === 'string' ? [o.keys] : [...(o.keys ?? [])], columns: schema.toSqlFields() };
  if (o.sequenceBy !== undefined) spec.sequenceBy = o.sequenceBy;
  if (o.sourceTable !== undefined) spec.sourceTable = o.sourceTable;
  if (o.exceptColumns !== undefined) spec.exceptColumns = [...o.exceptColumns];
  if (o.storedAs !== undefined) spec.storedAs = o.storedAs;
  if (o.tombstoneRetention !== undefined) spec.tombstoneRetention = o.tombstoneRetention;
  return spec;
}
