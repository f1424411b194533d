export { testKafka, testRedis } from './test-servers';
export { referenceJobSpec, referenceQuery } from './reference-job-spec';
export { batchOf, vectorOf, ALL_TYPES, ALL_TYPES_ROWS, ALL_TYPES_CANONICAL, MAX38 } from './column-batches';
export type { TestValue } from './column-batches';
export { AGGREGATE_TABLE_SCHEMA, buildAggregateTable } from './aggregate-table';
export type { AggregateColumns } from './aggregate-table';
export { sinkTableSchema, sinkLayout, DERIVED_METADATA_KEY } from './seed-sink-layout';
export type { SinkLayout, AggregateRowView } from './seed-sink-layout';
