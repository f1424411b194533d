/**
 * dropDuplicates(columns) and dropDuplicatesWithinWatermark(columns) over a stage (Spark 3.5's
 * Deduplicate and DeduplicateWithinWatermark), resolved into a DedupSpec over the stage's columns.
 *
 * Keys are top-level column names, matched case-insensitively (every column a name matches is a
 * key, as Spark's resolver does); no names means every column. Spark's own rules, then the ones
 * Tributary adds so that state stays bounded by the watermark and the rows can be shuffled:
 *
 *   dropDuplicatesWithinWatermark without a watermark     refused, as in Spark
 *   dropDuplicates without a watermark, or whose keys     refused: Spark accepts it, but its state
 *     do not include the watermark's column                 never leaves (grows without bound)
 *   a column of struct or array type at the dedup          refused: select scalar fields first
 *   dropDuplicates after an aggregation                    refused: not supported yet
 */
import type { LogicalOp } from '../plan/logical-plan';
import type { DedupSpec } from '../plan/resolved-query';
import { isScalar, simpleString } from '../schema/sql-type';
import { matchingFields } from './names';
import { ResolveProblem } from './problem';
import type { ScopeColumn } from './resolve-expr';

export const DEDUP_AFTER_AGGREGATION =
  'dropDuplicates after an aggregation is not supported yet; its rows are already one per window and grouping keys';

/** Spark's message for dropDuplicatesWithinWatermark on a stream without watermark (UnsupportedOperationChecker). */
export const DEDUP_WITHIN_WATERMARK_WITHOUT_WATERMARK =
  'dropDuplicatesWithinWatermark is not supported with streaming DataFrames/DataSets without watermark';

/** `watermarkSet`: a withWatermark came before (its column may have been dropped since). */
export function resolveDedup(op: Extract<LogicalOp, { op: 'dropDuplicates' }>, scope: readonly ScopeColumn[], watermarkSet: boolean): DedupSpec {
  const what = op.withinWatermark ? 'dropDuplicatesWithinWatermark' : 'dropDuplicates';
  const fields = scope.map((c) => ({ name: c.name, type: c.expr.type, nullable: c.expr.nullable }));
  let keys: number[];
  if (op.columns === null || op.columns === undefined) {
    keys = scope.map((_, i) => i);
  } else {
    if (!Array.isArray(op.columns) || op.columns.some((n) => typeof n !== 'string')) throw new ResolveProblem(`${what} needs a list of column names`);
    keys = [];
    for (const name of op.columns) {
      const at = matchingFields(fields, name);
      if (at.length === 0) {
        throw new ResolveProblem(`[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name "${name}" among (${fields.map((f) => f.name).join(', ')}).`);
      }
      for (const k of at) if (!keys.includes(k)) keys.push(k);
    }
  }
  for (const f of fields) {
    if (!isScalar(f.type)) {
      throw new ResolveProblem(`${what}: column '${f.name}' is ${simpleString(f.type)}; the rows are shuffled by their keys, which needs scalar columns: select the fields you need before ${what}`);
    }
  }
  const eventTime = scope.findIndex((c) => c.eventTime);
  if (eventTime < 0 && watermarkSet) {
    throw new ResolveProblem(`${what}: the watermark's column is not among the columns here (dropped or not selected after withWatermark); keep it until ${what}, whose state leaves by it`);
  }
  if (op.withinWatermark) {
    if (eventTime < 0) throw new ResolveProblem(DEDUP_WITHIN_WATERMARK_WITHOUT_WATERMARK);
    return { keys, withinWatermark: true };
  }
  if (eventTime < 0) {
    throw new ResolveProblem(`dropDuplicates without a watermark is not supported: its state would grow without bound; call withWatermark('<event time>', '<delay>') before it and include the event-time column in the keys, or use dropDuplicatesWithinWatermark`);
  }
  if (!keys.includes(eventTime)) {
    throw new ResolveProblem(`dropDuplicates keys must include the watermark's column '${fields[eventTime].name}': without it its state would never leave (Spark keeps it forever); add it to the keys, or use dropDuplicatesWithinWatermark, whose keys expire by the watermark`);
  }
  return { keys, withinWatermark: false };
}

/** What the options a dedup job sets must not ask for. */
export function dedupProblems(lateRows: string): string[] {
  return lateRows === 'table'
    ? ["lateRows 'table' is not supported with dropDuplicates yet; its late rows are dropped and counted (numRowsDroppedByWatermark)"]
    : [];
}
