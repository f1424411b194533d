export * from './vector';
export * from './concat';
export { takeRows, takeVector } from './take-rows';
export { sharesMemory } from './shares-memory';
