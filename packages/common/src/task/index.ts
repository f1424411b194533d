export { ExecutorJob, MapTaskStats, ReduceTaskStats, emptyMapStats } from './contract';
