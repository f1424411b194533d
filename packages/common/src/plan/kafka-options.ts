/**
 * The `kafka.`-prefixed options of the Kafka source. Spark hands every `kafka.*` option to its Kafka
 * consumer; Tributary reads with clients of its own, so it accepts only the options those clients
 * honour and refuses every other one by name at submit: nothing is accepted and then ignored.
 *
 *   kafka.bootstrap.servers   the brokers (KafkaSourceSpec.bootstrapServers)
 *   kafka.isolation.level     read_uncommitted (default, as Kafka's consumer) or read_committed:
 *                             Fetch with isolation_level 1, records of aborted transactions and
 *                             control batches skipped, and batches planned no further than the last
 *                             stable offset. Recorded in each batch's plan, so a replay reads alike.
 *
 * In the spec the prefix is removed: KafkaSourceSpec.kafkaOptions = { 'isolation.level': … }.
 */
import type { KafkaSourceSpec } from './query-spec';

export type IsolationLevel = 'read_uncommitted' | 'read_committed';
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read_uncommitted', 'read_committed'];
export const DEFAULT_ISOLATION_LEVEL: IsolationLevel = 'read_uncommitted';

/** Every `kafka.*` option the source accepts. */
export const SUPPORTED_KAFKA_OPTIONS: readonly string[] = ['kafka.bootstrap.servers', 'kafka.isolation.level'];

/** Why a `kafka.*` option is refused, for the ones a Spark user is likely to set; others get the general answer. */
const REFUSED_KAFKA_OPTIONS: Record<string, string> = {
  'kafka.group.id': 'Tributary tracks offsets in its checkpoint, not in a consumer group',
  'kafka.security.protocol': 'TLS and SASL come in a later step; brokers are reached in plaintext for now',
};

/** The problem of one `kafka.`-prefixed option (full name), or null when it is supported and its value valid. */
export function kafkaOptionProblem(name: string, value: unknown): string | null {
  if (name === 'kafka.isolation.level') {
    return typeof value === 'string' && (ISOLATION_LEVELS as readonly string[]).includes(value)
      ? null
      : `kafka.isolation.level must be 'read_uncommitted' or 'read_committed', got ${JSON.stringify(value)}`;
  }
  if (name === 'kafka.bootstrap.servers') return null;
  const supported = `supported kafka.* options: ${SUPPORTED_KAFKA_OPTIONS.join(', ')}`;
  const reason = REFUSED_KAFKA_OPTIONS[name]
    ?? (/^kafka\.(sasl|ssl)\./.test(name) ? 'TLS and SASL come in a later step; brokers are reached in plaintext for now' : undefined);
  if (reason !== undefined) return `kafka source option '${name}' is not supported yet: ${reason}; ${supported}`;
  return `kafka source option '${name}' is not supported: Tributary reads Kafka with its own clients, which do not honour it; ${supported}`;
}

/** Problems of a spec's `kafkaOptions` (prefix removed); the spec may come from the wire. */
export function kafkaOptionsProblems(options: unknown): string[] {
  if (options === undefined) return [];
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return [`kafkaOptions must be an object of kafka.* option values, got ${JSON.stringify(options)}`];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const name = `kafka.${key}`;
    // The brokers have a field of their own; a second copy here would be one more place to read them from.
    const problem = name === 'kafka.bootstrap.servers'
      ? "kafka.bootstrap.servers belongs in the source's bootstrapServers, not in kafkaOptions"
      : kafkaOptionProblem(name, value);
    if (problem !== null) problems.push(problem);
  }
  return problems;
}

/** The isolation level a valid source asks for. */
export function isolationLevelOf(source: Pick<KafkaSourceSpec, 'kafkaOptions'>): IsolationLevel {
  return (source.kafkaOptions?.['isolation.level'] as IsolationLevel | undefined) ?? DEFAULT_ISOLATION_LEVEL;
}
