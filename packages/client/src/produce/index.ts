export { EventGenerator, generateEvents, inOrderChunks, DEFAULT_START_MICROS } from './event-generator';
export type { GeneratorOptions, EventBatch } from './event-generator';
export { produceEvents, ensureTopic, DEFAULT_CHUNK_SIZE } from './produce';
export type { ProduceOptions, ProduceResult } from './produce';
export { Xoshiro128 } from './prng';
export { produceLoad, LoadEncoder } from './load-generator';
export type { LoadOptions, LoadResult } from './load-generator';
