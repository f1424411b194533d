import type { KafkaSourceSpec } from './query-spec';

export type StartingOffsets = KafkaSourceSpec['startingOffsets'];

/** Kafka's sentinel offsets in Spark's per-partition startingOffsets JSON. */
export const EARLIEST_OFFSET = -2;
export const LATEST_OFFSET = -1;

/**
 * The value of option('startingOffsets', text): 'earliest', 'latest', or Spark's per-partition JSON
 * {"topic":{"0":23,"1":-2}}. Text that is not JSON is kept as it is, so that validation reports it
 * together with every other problem of the query.
 */
export function startingOffsetsFromOption(text: string): StartingOffsets {
  const trimmed = text.trim();
  if (trimmed === 'earliest' || trimmed === 'latest') return trimmed;
  try {
    return JSON.parse(trimmed) as StartingOffsets;
  } catch {
    return text as StartingOffsets;
  }
}

/** Problems of a startingOffsets value for a query subscribed to `topic` (empty when valid). */
export function startingOffsetsProblems(value: unknown, topic: string): string[] {
  if (value === 'earliest' || value === 'latest') return [];
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
    } catch (e) {
      return [`startingOffsets is not valid JSON: ${JSON.stringify(value)} (${(e as Error).message})`];
    }
    return [`startingOffsets must be 'earliest', 'latest' or a JSON object such as {"${topic}":{"0":-2}}, got ${JSON.stringify(value)}`];
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [`startingOffsets must be 'earliest', 'latest' or a JSON object such as {"${topic}":{"0":-2}}, got ${JSON.stringify(value)}`];
  }
  const problems: string[] = [];
  for (const [t, partitions] of Object.entries(value)) {
    if (t !== topic) problems.push(`startingOffsets names topic '${t}', but the query subscribes to '${topic}'`);
    if (partitions === null || typeof partitions !== 'object' || Array.isArray(partitions)) {
      problems.push(`startingOffsets for topic '${t}' must be an object of partition → offset, got ${JSON.stringify(partitions)}`);
      continue;
    }
    for (const [p, offset] of Object.entries(partitions as Record<string, unknown>)) {
      if (!/^(0|[1-9]\d*)$/.test(p)) problems.push(`startingOffsets names partition '${p}' of '${t}': partitions are integers ≥ 0`);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < EARLIEST_OFFSET) {
        problems.push(`startingOffsets for partition ${p} of '${t}' must be an offset ≥ 0, -2 (earliest) or -1 (latest), got ${JSON.stringify(offset)}`);
      }
    }
  }
  return problems;
}
