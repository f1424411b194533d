export { testKafka, testRedis } from './test-servers';
export { referenceJobSpec } from './reference-job-spec';
