/**
 * Update mode's merge key: the columns of a query's output that identify one result row, i.e. the
 * aggregation's window (if any) and grouping keys, found in the output by following them through
 * the `post` steps. Update mode merges each batch's changed rows into the table by these columns,
 * so each must reach the output unchanged (a `post` projection may move or rename it, not compute
 * over it). The resolver refuses update mode when one does not (updateKeyProblems); the reduce
 * tasks read the positions (updateKeyColumns).
 */
import type { AggregateSpec, Step } from './resolved-query';

export interface UpdateKeys {
  /** Output column of the window struct, or null for a group-by without window. */
  window: number | null;
  /** Output columns of the grouping keys, in the aggregation's key order. */
  keys: number[];
}

/** Where the aggregate's key columns end up in the output, or the names of those that do not. */
export function traceUpdateKeys(aggregate: AggregateSpec, post: readonly Step[]): { keys: UpdateKeys } | { missing: string[] } {
  const n = (aggregate.window === null ? 0 : 1) + aggregate.keys.length;
  let at = Array.from({ length: n }, (_, k) => k);
  for (const step of post) {
    if (step.kind !== 'project') continue;
    at = at.map((i) => (i < 0 ? -1 : step.exprs.findIndex((e) => e.kind === 'column' && e.index === i)));
  }
  const missing = at.flatMap((i, k) => (i < 0 ? [aggregate.schema[k].name] : []));
  if (missing.length > 0) return { missing };
  return aggregate.window === null ? { keys: { window: null, keys: at } } : { keys: { window: at[0], keys: at.slice(1) } };
}

/** The merge key of an update-mode query (throws when it has none: the resolver refused such queries). */
export function updateKeyColumns(aggregate: AggregateSpec, post: readonly Step[]): UpdateKeys {
  const traced = traceUpdateKeys(aggregate, post);
  if ('missing' in traced) throw new RangeError(`update mode needs the key columns in the output; missing: ${traced.missing.join(', ')}`);
  return traced.keys;
}
