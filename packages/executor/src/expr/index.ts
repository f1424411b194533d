export { evaluate, selectRows, takeRows, type EvalContext } from './evaluate';
