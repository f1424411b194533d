/**
 * Kafka protocol error codes the reader meets, and what each asks of it:
 * - refresh: the partition's leader moved or metadata is stale; refresh metadata and retry;
 * - retry: transient on the same broker; back off and retry;
 * - out_of_range: the offset is not in the log (deleted by retention, truncated, or past its end);
 * - fatal: retrying cannot help (authorization, unsupported versions, corrupt requests).
 */
export type ErrorAction = 'refresh' | 'retry' | 'out_of_range' | 'fatal';

const ERRORS: ReadonlyMap<number, [name: string, action: ErrorAction]> = new Map([
  [-1, ['UNKNOWN_SERVER_ERROR', 'retry']],
  [1, ['OFFSET_OUT_OF_RANGE', 'out_of_range']],
  [2, ['CORRUPT_MESSAGE', 'retry']],
  [3, ['UNKNOWN_TOPIC_OR_PARTITION', 'refresh']],
  [5, ['LEADER_NOT_AVAILABLE', 'refresh']],
  [6, ['NOT_LEADER_OR_FOLLOWER', 'refresh']],
  [7, ['REQUEST_TIMED_OUT', 'retry']],
  [8, ['BROKER_NOT_AVAILABLE', 'refresh']],
  [9, ['REPLICA_NOT_AVAILABLE', 'refresh']],
  [13, ['NETWORK_EXCEPTION', 'retry']],
  [14, ['COORDINATOR_LOAD_IN_PROGRESS', 'retry']],
  [15, ['COORDINATOR_NOT_AVAILABLE', 'retry']],
  [29, ['TOPIC_AUTHORIZATION_FAILED', 'fatal']],
  [31, ['CLUSTER_AUTHORIZATION_FAILED', 'fatal']],
  [33, ['UNSUPPORTED_SASL_MECHANISM', 'fatal']],
  [34, ['ILLEGAL_SASL_STATE', 'fatal']],
  [35, ['UNSUPPORTED_VERSION', 'fatal']],
  [42, ['INVALID_REQUEST', 'fatal']],
  [56, ['KAFKA_STORAGE_ERROR', 'refresh']],
  [58, ['SASL_AUTHENTICATION_FAILED', 'fatal']],
  [70, ['FETCH_SESSION_ID_NOT_FOUND', 'retry']],
  [71, ['INVALID_FETCH_SESSION_EPOCH', 'retry']],
  [74, ['FENCED_LEADER_EPOCH', 'refresh']],
  [75, ['UNKNOWN_LEADER_EPOCH', 'refresh']],
  [76, ['UNSUPPORTED_COMPRESSION_TYPE', 'fatal']],
  [78, ['OFFSET_NOT_AVAILABLE', 'refresh']],
  [100, ['UNKNOWN_TOPIC_ID', 'refresh']],
  [103, ['INCONSISTENT_TOPIC_ID', 'refresh']],
]);

export const ERROR_NONE = 0;
export const ERROR_OFFSET_OUT_OF_RANGE = 1;
export const ERROR_UNKNOWN_TOPIC_OR_PARTITION = 3;

export function kafkaErrorName(code: number): string {
  return ERRORS.get(code)?.[0] ?? `KAFKA_ERROR_${code}`;
}

/** Unknown codes are treated as retriable on the same broker: the retry budget bounds them. */
export function kafkaErrorAction(code: number): ErrorAction {
  return ERRORS.get(code)?.[1] ?? 'retry';
}
