export { testKafka, testRedis } from './test-servers';
