export { startExecutor, ExecutorOptions, RunningExecutor } from './executor';
