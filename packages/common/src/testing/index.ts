export { testKafka, testRedis } from './test-servers';
export { referenceJobSpec, referenceQuery } from './reference-job-spec';
export { batchOf, vectorOf, ALL_TYPES, ALL_TYPES_ROWS, ALL_TYPES_CANONICAL, MAX38 } from './column-batches';
export type { TestValue } from './column-batches';
