export { evaluate, selectRows, takeRows, type EvalContext } from './evaluate';
export { javaDoubleText } from './cast';
