/**
 * What the executors cannot run yet of a resolved query, refused at submit by name (Tributary's own
 * limits; what Spark itself refuses — update mode into Delta, append without a watermark, a window
 * slide longer than the window — the resolver already refuses with Spark's message).
 */
import { ResolvedQuery, simpleString, stepsOutput } from '@tributary/common';

/** Aggregate functions the executors' group-by computes, and the input types min/max take there. */
const EXECUTOR_AGGREGATES: readonly string[] = ['count', 'sum', 'min', 'max'];
const ORDERED_TYPES: readonly string[] = ['boolean', 'int', 'long', 'double', 'decimal', 'date', 'timestamp'];

/**
 * What a resolved query asks that the executors cannot run yet, each named (empty: it runs).
 * The resolver already refuses what Spark refuses (update mode into Delta, append without a
 * watermark, a window slide longer than the window); these are Tributary's own limits.
 */
export function executorRefusals(query: ResolvedQuery): string[] {
  const agg = query.aggregate;
  if (agg === null) return [];
  const problems: string[] = [];
  const input = stepsOutput(query.scan.schema, query.pre);
  for (const a of agg.aggregates) {
    if (!EXECUTOR_AGGREGATES.includes(a.fn)) {
      problems.push(`aggregate ${a.fn} (${a.field.name}) is not supported yet by the executors; supported: ${EXECUTOR_AGGREGATES.join(', ')}`);
    } else if ((a.fn === 'min' || a.fn === 'max') && a.column !== null && !ORDERED_TYPES.includes(input[a.column].type.kind)) {
      problems.push(`${a.fn} over ${simpleString(input[a.column].type)} (${a.field.name}) is not supported yet by the executors; ${a.fn} takes boolean, int, bigint, double, decimal, date or timestamp`);
    }
  }
  return problems;
}
