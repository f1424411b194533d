/**
 * Where the work of one batch attempt runs. Pure functions of the plan and the live executors.
 * - Shuffle partition p is owned by live executor (p mod E) in id order: state belongs to
 *   partitions, not executors, so when membership changes the new owner loads it from the store.
 * - Kafka ranges go to executors round-robin in (topic, partition) order; one map task per executor
 *   with at least one non-empty range.
 */
export interface RangeAssignment { topic: string; partition: number; from: string; to: string }
export interface MapTaskPlacement { taskId: number; executorId: string; ranges: RangeAssignment[] }
export interface Owner { partition: number; executorId: string }

export function assignShufflePartitions(partitions: number, executorIds: string[]): Owner[] {
  if (executorIds.length === 0) throw new Error('no live executors');
  const owners: Owner[] = [];
  for (let p = 0; p < partitions; p++) owners.push({ partition: p, executorId: executorIds[p % executorIds.length] });
  return owners;
}

export function assignRanges(ranges: RangeAssignment[], executorIds: string[]): MapTaskPlacement[] {
  if (executorIds.length === 0) throw new Error('no live executors');
  const nonEmpty = ranges
    .filter((r) => BigInt(r.to) > BigInt(r.from))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const byExecutor = new Map<string, RangeAssignment[]>();
  nonEmpty.forEach((r, i) => {
    const id = executorIds[i % executorIds.length];
    const list = byExecutor.get(id) ?? [];
    list.push(r);
    byExecutor.set(id, list);
  });
  let taskId = 0;
  return executorIds.filter((id) => byExecutor.has(id)).map((id) => ({ taskId: taskId++, executorId: id, ranges: byExecutor.get(id)! }));
}
