export { startExecutor, ExecutorOptions, RunningExecutor } from './executor';
export { evaluate, selectRows, type EvalContext } from './expr';
