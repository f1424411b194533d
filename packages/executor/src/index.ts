export { startExecutor, ExecutorOptions, RunningExecutor } from './executor';
export { evaluate, selectRows, type EvalContext } from './expr';
export { mergeUpdates, PARTITION_TAG, WINDOW_RANGE_TAG, WINDOWS_PER_RANGE } from './sink/update-merge';
export type { UpdateMergeInput, UpdateMergeResult } from './sink/update-merge';
