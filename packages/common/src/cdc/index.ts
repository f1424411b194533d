export { OP, OP_NAMES, type Op, type ChangeBatch } from './change-batch';
export { cdcDataColumns, cdcRoutes, cdcStatePartition, CHANGE_FORMATS, DEBEZIUM_POSITIONS, SCD2_FIELDS, type CdcRoute, type CdcSpec, type ChangeFormat, type ChangeSourceSpec, type DebeziumPosition } from './cdc-spec';
export type { ApplyChangesRouteSpec, ApplyChangesSpec, ChangeEventsSpec } from './apply-changes-spec';
export { createChangeReader, ChangeReader } from './change-reader';
export { comparePositions, positionText } from './position';
