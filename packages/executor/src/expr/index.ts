export { evaluate, selectRows, type EvalContext } from './evaluate';
