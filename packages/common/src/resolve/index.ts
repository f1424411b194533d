export { resolveQuery, COMPLETE_WITHOUT_AGGREGATION, DEFAULT_SHUFFLE_PARTITIONS, DEFAULT_MAX_VALUE_BYTES } from './resolve-query';
export type { ResolveOptions } from './resolve-query';
export { upgradeSpec, asVersion2 } from './upgrade-spec';
export { diffResolved } from './restart-diff';
export { DEFAULT_CATALOG } from './catalog';
export type { Catalog, CallContext } from './catalog';
export { QueryResolutionError } from './problem';
export { KAFKA_SCHEMA } from './kafka-schema';
