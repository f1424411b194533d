export { startExecutor, ExecutorOptions, RunningExecutor } from './executor';
export { evaluate, selectRows, takeRows, type EvalContext } from './expr';
