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
  /** More source tables of the stream, each applied to the Delta table at its `path` (docs/cdc.md, "Several source tables"). */
  routes?: ApplyChangesRouteOptions[];
}

/** One more source table and its table: as ApplyChangesOptions, with the table's path. */
export interface ApplyChangesRouteOptions extends Omit<ApplyChangesOptions, 'routes' | 'sourceTable'> {
  sourceTable: string;
  path: string;
}

export function applyChangesSpecOf(o: ApplyChangesOptions): ApplyChangesSpec {
  const spec = tableSpecOf(o);
  if (o.routes !== undefined) {
    if (!Array.isArray(o.routes)) throw invalid('applyChanges routes: a list of { sourceTable, path, keys, columns, … }');
    spec.routes = o.routes.map((r) => ({ ...tableSpecOf(r), sourceTable: r.sourceTable, path: r.path }));
  }
  return spec;
}

function tableSpecOf(o: Omit<ApplyChangesOptions, 'routes'>): ApplyChangesSpec {
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
