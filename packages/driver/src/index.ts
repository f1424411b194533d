export { startDriver, DriverOptions, RunningDriver } from './driver';
export { PROTOCOL_STEPS } from './query/fault-hook';
export { DeltaSink } from './commit/delta-sink';
export type { SinkTable } from './commit/delta-sink';
