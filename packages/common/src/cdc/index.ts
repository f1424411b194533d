export { OP, OP_NAMES, type Op, type ChangeBatch } from './change-batch';
export { CHANGE_FORMATS, DEBEZIUM_POSITIONS, type ChangeFormat, type ChangeSourceSpec, type DebeziumPosition } from './cdc-spec';
export { createChangeReader, ChangeReader } from './change-reader';
export { comparePositions, positionText } from './position';
