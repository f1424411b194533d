export * from './vector';
export { takeRows, takeVector } from './take-rows';
