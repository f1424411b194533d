/**
 * What the executors cannot run yet of a resolved query, refused at submit by name (Tributary's own
 * limits; what Spark itself refuses — update mode into Delta, append without a watermark, a window
 * slide longer than the window — the resolver already refuses with Spark's message).
 */
import { ResolvedQuery, aggregateInput, isScalar, simpleString } from '@tributary/common';

/**
 * Aggregate functions the executors' group-by computes (executor aggregate/group-by/group-layout.ts),
 * each over a scalar column: count, sum, avg, min, max (strings and binaries too) and
 * approx_count_distinct; over a session window as well (executor aggregate/session/session-layout.ts).
 */
const EXECUTOR_AGGREGATES: readonly string[] = ['count', 'sum', 'avg', 'min', 'max', 'approx_count_distinct'];

/**
 * What a resolved query asks that the executors cannot run yet, each named (empty: it runs).
 * The resolver already refuses what Spark refuses (update mode into Delta, append without a
 * watermark, a window slide longer than the window); these are Tributary's own limits.
 */
export function executorRefusals(query: ResolvedQuery): string[] {
  const agg = query.aggregate;
  if (agg === null) return [];
  const problems: string[] = [];
  const input = aggregateInput(query);
  for (const a of agg.aggregates) {
    if (!EXECUTOR_AGGREGATES.includes(a.fn)) {
      problems.push(`aggregate ${a.fn} (${a.field.name}) is not supported yet by the executors; supported: ${EXECUTOR_AGGREGATES.join(', ')}`);
    } else if (a.column !== null && !isScalar(input[a.column].type)) {
      problems.push(`${a.fn} over ${simpleString(input[a.column].type)} (${a.field.name}) is not supported by the executors; it takes a scalar column`);
    }
  }
  return problems;
}
