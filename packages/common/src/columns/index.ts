export * from './vector';
export * from './concat';
